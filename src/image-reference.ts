import { IMAGE_REFERENCE_PATTERN } from './api';

/**
 * Synth-time check of a container image reference. The grammar is the CRDs' pattern
 * (`IMAGE_REFERENCE_PATTERN`, one rule in one place); this function only explains a mismatch
 * in words, naming the prop, the value and the fix. `undefined` when the reference is valid.
 */
export function imageReferenceError(prop: string, image: unknown): string | undefined {
  const subject = `'${prop}' (${JSON.stringify(image)})`;
  if (typeof image !== 'string') return `${subject} must be a string: the container image, e.g. 'python:3.12-slim'`;
  if (image.trim() === '') return `${subject} is empty: name the container image, e.g. 'python:3.12-slim'`;
  if (new RegExp(IMAGE_REFERENCE_PATTERN).test(image)) return digestLengthError(subject, image);
  const why = image.trim() !== image ? `it has leading or trailing whitespace; use '${image.trim()}'`
    : /\s/.test(image) ? 'it contains whitespace: separate the tag with \':\', e.g. \'python:3.12-slim\''
      : image.includes('@') ? digestShapeError(image)
        : /[A-Z]/.test(repositoryPath(image)) ? `the repository path must be lowercase; use '${lowercasePath(image)}'`
          : 'write it as [registry[:port]/]path[:tag][@algorithm:digest], with a lowercase path, e.g. \'python:3.12-slim\' or \'registry.example.com/team/train:1.0\'';
  return `${subject} is not a valid image reference: ${why}`;
}

/** Throws the message of {@link imageReferenceError}, if any. */
export function checkImageReference(prop: string, image: unknown): void {
  const error = imageReferenceError(prop, image);
  if (error) throw new Error(error);
}

/** The pattern accepts any 32+ hex digest; the common algorithms have fixed lengths. */
const DIGEST_LENGTHS: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

function digestLengthError(subject: string, image: string): string | undefined {
  const at = image.indexOf('@');
  if (at < 0) return undefined;
  const [algorithm, hex] = image.slice(at + 1).split(':');
  const want = DIGEST_LENGTHS[algorithm];
  if (want === undefined || hex.length === want) return undefined;
  return `${subject} is not a valid image reference: a ${algorithm} digest has ${want} hex digits, this one has ${hex.length}; copy the digest whole`;
}

function digestShapeError(image: string): string {
  const digest = image.slice(image.indexOf('@') + 1);
  return `the digest after '@' ('${digest}') must be <algorithm>:<hex digits>, e.g. 'sha256:' followed by 64 hex digits; copy the digest whole or drop '@...' and use a tag`;
}

/** The path part of a reference: without a registry host, tag or digest. */
function repositoryPath(image: string): string {
  const name = image.split('@')[0];
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  const hasHost = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const path = hasHost ? name.slice(slash + 1) : name;
  const colon = path.lastIndexOf(':');
  return colon < 0 ? path : path.slice(0, colon);
}

function lowercasePath(image: string): string {
  const path = repositoryPath(image);
  return image.replace(path, path.toLowerCase());
}
