// Where a self-hosted job's files live in the service's data directory: the latest checkpoint a worker
// uploaded (so another worker can resume the job) and the trained artifact, unpacked next to its archive.
// Uploads are written to a temporary name and renamed, so a cut-off upload never replaces a good file.
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';

export class TrainerFiles {
  constructor(
    /** Checkpoints (scratch, deleted when the job ends). */
    private readonly checkpointRoot: string,
    /** Trained models, kept with the job. */
    readonly artifactRoot: string,
  ) {}

  private checkpointFile(jobId: string) {
    return path.join(this.checkpointRoot, `${jobId}.tar.gz`);
  }

  async saveCheckpoint(jobId: string, step: number, body: Readable): Promise<void> {
    await this.write(this.checkpointFile(jobId), body);
    fs.writeFileSync(`${this.checkpointFile(jobId)}.json`, JSON.stringify({ step }));
  }

  checkpoint(jobId: string): { step: number; file: string } | undefined {
    try {
      const { step } = JSON.parse(fs.readFileSync(`${this.checkpointFile(jobId)}.json`, 'utf8'));
      return { step, file: this.checkpointFile(jobId) };
    } catch {
      return undefined;
    }
  }

  dropCheckpoint(jobId: string): void {
    fs.rmSync(this.checkpointFile(jobId), { force: true });
    fs.rmSync(`${this.checkpointFile(jobId)}.json`, { force: true });
  }

  /** Stores the trained model's archive and unpacks it; returns the directory it was unpacked into. */
  async saveArtifact(jobId: string, body: Readable): Promise<string> {
    const directory = this.artifactDirectory(jobId);
    const archive = `${directory}.tar.gz`;
    await this.write(archive, body);
    const unpacked = `${directory}.unpacking`;
    fs.rmSync(unpacked, { recursive: true, force: true });
    fs.mkdirSync(unpacked, { recursive: true });
    await tar.x({ file: archive, cwd: unpacked, strict: true });
    fs.rmSync(directory, { recursive: true, force: true });
    fs.renameSync(unpacked, directory);
    return directory;
  }

  hasArtifact(jobId: string): boolean {
    return fs.existsSync(this.artifactDirectory(jobId));
  }

  artifactDirectory(jobId: string): string {
    return path.join(this.artifactRoot, jobId);
  }

  private async write(file: string, body: Readable) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const partial = `${file}.${process.pid}.partial`;
    try {
      await pipeline(body, fs.createWriteStream(partial));
      fs.renameSync(partial, file);
    } finally {
      fs.rmSync(partial, { force: true });
    }
  }
}
