/**
 * The run bucket: JSON objects by key. S3 (GetObject / PutObject) in Lambda, memory in tests and the benchmark.
 * A missing object is `undefined` (NoSuchKey: each role may ListBucket where it reads, so S3 says 404 rather than 403); any other
 * error is thrown.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

export interface RunStore {
  getJson<T>(key: string): Promise<T | undefined>;
  putJson(key: string, value: unknown): Promise<void>;
}

export class S3RunStore implements RunStore {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
  ) {}

  async getJson<T>(key: string): Promise<T | undefined> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const body = await out.Body?.transformToString('utf-8');
      return body === undefined ? undefined : (JSON.parse(body) as T);
    } catch (e) {
      if ((e as { name?: string }).name === 'NoSuchKey') return undefined;
      throw e;
    }
  }

  async putJson(key: string, value: unknown): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: JSON.stringify(value), ContentType: 'application/json' }),
    );
  }
}

export class MemoryRunStore implements RunStore {
  readonly objects = new Map<string, string>();
  async getJson<T>(key: string): Promise<T | undefined> {
    const s = this.objects.get(key);
    return s === undefined ? undefined : (JSON.parse(s) as T);
  }
  async putJson(key: string, value: unknown): Promise<void> {
    this.objects.set(key, JSON.stringify(value));
  }
}
