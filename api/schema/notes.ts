// The words and markers a definition carries besides its structure, keyed by OpenAPI
// definition name and JSON field name. upstream-notes.ts is generated from upstream's Go
// types; orch-notes.ts holds orch's own (they win where both speak).

export interface FieldNotes {
  /** Description (kubectl explain prints it). */
  d?: string;
  required?: boolean;
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: string[];
  mapType?: 'atomic' | 'granular';
  patchStrategy?: string;
  patchMergeKey?: string;
}

export interface TypeNotes {
  d?: string;
  mapType?: 'atomic' | 'granular';
  f?: Record<string, FieldNotes>;
}

export type UpstreamNotes = Record<string, TypeNotes>;
