/**
 * This package's version, which is also the tag of the bundled kubejobs image built from it: the
 * controller and the job-scheduler default to the image of the library that synthesised them.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const PACKAGE_VERSION: string = require('../package.json').version;
