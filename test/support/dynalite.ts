/** DynamoDB on loopback (dynalite), with the alert-state table the stack defines (pk/sk strings). */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AddressInfo } from 'node:net';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite');

export const TEST_CREDENTIALS = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' };

export interface LocalDynamo {
  endpoint: string;
  ddb: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  /** Creates a state table (pk HASH, sk RANGE, on demand) and returns its name. */
  createStateTable(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function startDynalite(): Promise<LocalDynamo> {
  const server: { listen: (p: number, h: string, cb: () => void) => void; close: (cb: () => void) => void; address: () => AddressInfo } =
    dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${server.address().port}`;
  const ddb = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS });
  const doc = DynamoDBDocumentClient.from(ddb, { marshallOptions: { removeUndefinedValues: true } });
  return {
    endpoint,
    ddb,
    doc,
    async createStateTable(name) {
      await ddb.send(
        new CreateTableCommand({
          TableName: name,
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
          ],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      return name;
    },
    async close() {
      ddb.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
