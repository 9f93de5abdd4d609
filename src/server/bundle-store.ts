import type { ListItem } from '../policies/index.js';

/** Where a bundle version came from; `replica`: another replica published it (a shared store). */
export type BundleSource = 'start' | 'file' | 'sighup' | 'admin' | 'rollback' | 'replica';

/** What changed between two bundle versions. */
export interface BundleDiff {
  /** Every file of the tree (the model included) added, removed or changed. */
  readonly files: Readonly<Record<string, 'added' | 'removed' | 'changed'>>;
  /** Rule and device check ids, from rules.json, rules.txt and device.json. */
  readonly rules: {
    readonly added: readonly string[];
    readonly removed: readonly string[];
    readonly changed: readonly string[];
  };
}

/** One entry of the audit trail: every version served and every list change. */
export interface AuditEntry {
  readonly at: string;
  readonly action: 'load' | 'publish' | 'rollback' | 'reject' | 'list-add' | 'list-remove';
  readonly source?: BundleSource;
  readonly by: string;
  readonly version?: string;
  readonly previous?: string;
  /** For a bundle: files added, removed or changed against the previous version, and rule ids. */
  readonly diff?: BundleDiff;
  /** The one rule a rule publish (PUT or DELETE /rules/{id}) replaced, added or removed. */
  readonly rule?: string;
  readonly list?: string;
  readonly item?: string;
  /** The whole item a list-add added, so a restart can add it again. */
  readonly listItem?: ListItem;
  readonly problems?: readonly string[];
}

/** A bundle version as GET /bundle/versions lists it. */
export interface VersionInfo {
  readonly version: string;
  readonly source: BundleSource;
  readonly at: string;
  readonly by: string;
}

/** A live list change: an item added, or removed (`item` null). */
export interface ListChange {
  readonly list: string;
  readonly value: string;
  readonly item: ListItem | null;
}

/** The head of a store: what every process reading it converges on. */
export interface StoreHead {
  /** Grows by one with every change (a version served or a list change); 0 for an empty store. */
  readonly revision: number;
  /** The bundle version served (without the list overlay); undefined while the store is empty. */
  readonly version: string | undefined;
  /** How many list changes the head holds (they apply in order, the first is 1). */
  readonly lists: number;
}

/** One change to commit, with its audit entry: a bundle version to serve, or a list change. */
export type StoreCommit =
  | {
      readonly kind: 'version';
      readonly version: string;
      readonly name: string;
      /** The version's files; the store may move it away when `adopt` (a staging dir), else copies it. */
      readonly dir: string;
      readonly adopt: boolean;
      readonly entry: AuditEntry;
    }
  | { readonly kind: 'list'; readonly change: ListChange; readonly entry: AuditEntry };

/**
 * Where the control plane keeps bundle versions, the head, live list changes and the audit trail
 * (docs/architecture.md §6): files under DATA_DIR for one process (createFileBundleStore), or
 * PostgreSQL for many replicas (createPgBundleStore). The control plane validates every change
 * itself; a store only keeps and shares what passed.
 */
export interface BundleStore {
  readonly kind: 'files' | 'postgres';
  /**
   * True when other processes write the store too: the bundle directory is not watched, a reload
   * (SIGHUP) reads the store's head, and `follow` reports the other processes' changes.
   */
  readonly shared: boolean;
  /** A directory on the file system of the kept versions, for staging a new one. */
  readonly workDir: string;
  /**
   * Opens the store at start and answers its head; an empty store is seeded with `seed` (the
   * bundle directory loaded at start) as its first version.
   */
  open(seed: Extract<StoreCommit, { kind: 'version' }>): Promise<StoreHead>;
  /** The head as the store holds it now. */
  head(): Promise<StoreHead>;
  /**
   * Runs `f` with the head locked against every other writer and commits the change it answers
   * (version kept, head moved, audited and announced) at once, or nothing if `f` throws.
   */
  transact<T>(
    f: (head: StoreHead) => Promise<{ readonly commit: StoreCommit; readonly result: T }>,
  ): Promise<{ head: StoreHead; result: T }>;
  /** A directory holding the files of a kept version, or undefined for a version never kept. */
  versionDir(version: string): Promise<string | undefined>;
  /** List changes `after` < n <= `upTo`, in order. */
  listChanges(after: number, upTo: number): Promise<ListChange[]>;
  /** Appends an entry that changes nothing (a rejected bundle). */
  record(entry: AuditEntry): Promise<void>;
  /** Versions served, oldest first. */
  versions(): Promise<VersionInfo[]>;
  audit(): Promise<AuditEntry[]>;
  /** Calls `onHead` with heads other processes committed (none for a store of one process). */
  follow(onHead: (head: StoreHead) => void): void;
  close(): Promise<void>;
}
