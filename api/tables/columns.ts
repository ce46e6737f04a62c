// The shape of a Kubernetes table (meta.k8s.io/v1 Table) and of one kind's printer: its
// column definitions, and the cells of one object's row. Shared by every kind's file.

import type { KubeObject, ListMeta } from '../types.js';

export interface TableColumnDefinition {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format: string;
  description: string;
  /** 0: always shown; 1: with -o wide. */
  priority: number;
}

export type Cell = string | number | boolean;

export interface TableRow {
  cells: Cell[];
  /** The object (includeObject=Object) or its PartialObjectMetadata (Metadata, the default). */
  object?: unknown;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: ListMeta;
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

/** How one kind prints: its columns, and the cells of one object (one per column, in order). */
export interface KindTable {
  columns: TableColumnDefinition[];
  row(obj: KubeObject, now: number): Cell[];
}

/** A column definition; `wide` ones have priority 1. */
export function column(name: string, type: TableColumnDefinition['type'] = 'string', opts: { wide?: boolean; format?: string } = {}): TableColumnDefinition {
  return { name, type, format: opts.format ?? '', description: '', priority: opts.wide ? 1 : 0 };
}

export const NAME = column('Name', 'string', { format: 'name' });
export const AGE = column('Age');
