import { JsonSchema } from './crd';

/**
 * A versioned JSON document that is part of our API but is not a custom resource: it never
 * reaches the API server, so it has no CRD, but its TypeScript type is generated into
 * `imports/<group>.d.ts` like the kinds', and it is validated by the same rules
 * (`validateDocument`).
 */
export interface DocumentSchemaSpec {
  /** Group of the document's `apiVersion`; names the generated `imports/<group>.d.ts`. */
  readonly group: string;
  /** Version of the document's `apiVersion`. */
  readonly version: string;
  /** The document's `kind`. */
  readonly kind: string;
  /** Schema of the whole document, `apiVersion` and `kind` included. */
  readonly schema: JsonSchema;
}
