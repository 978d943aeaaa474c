// The package entry that route files import as 'dialplane': the define helpers and the document
// types generated from the JSON Schemas.
export * from './schemas/define.js';
export type * from './schemas/types.js';
