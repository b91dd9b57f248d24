// File > Open Recent, with a Clear the shared services do not offer: the services keep their own
// list (and its file); this hides what was cleared until the file is opened or saved again, and
// writes the list the user sees back to the services' file, so a cleared list stays cleared.
export interface RecentSource {
  /** The services' list (existing files, most recent first). */
  list(): Promise<string[]>;
  /** Writes the services' recent-files store. */
  persist(list: string[]): Promise<void>;
}

export class RecentFiles {
  private readonly hidden = new Set<string>();

  constructor(private readonly source: RecentSource) {}

  async visible(): Promise<string[]> {
    return (await this.source.list()).filter((p) => !this.hidden.has(p));
  }

  async clear(): Promise<void> {
    for (const p of await this.source.list()) this.hidden.add(p);
    await this.source.persist([]);
  }

  /** After a file was opened or saved (the services have put it first and written their store). */
  async touched(path: string): Promise<string[]> {
    this.hidden.delete(path);
    const list = await this.visible();
    if (this.hidden.size > 0) await this.source.persist(list);
    return list;
  }
}
