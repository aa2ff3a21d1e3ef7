/** DynamoDB on loopback (dynalite), with the alert-state table the stack defines (pk/sk strings). */
import { CreateTableCommand, DynamoDBClient, type AttributeDefinition, type KeySchemaElement } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AddressInfo } from 'node:net';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite');

export const TEST_CREDENTIALS = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' };

export interface LocalDynamo {
  endpoint: string;
  ddb: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  /** Creates an on-demand table with this key schema and returns its name. */
  createTable(name: string, keySchema: KeySchemaElement[], attributeDefinitions: AttributeDefinition[]): Promise<string>;
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
  const createTable: LocalDynamo['createTable'] = async (name, keySchema, attributeDefinitions) => {
    await ddb.send(new CreateTableCommand({ TableName: name, KeySchema: keySchema, AttributeDefinitions: attributeDefinitions, BillingMode: 'PAY_PER_REQUEST' }));
    return name;
  };
  return {
    endpoint,
    ddb,
    doc,
    createTable,
    createStateTable: (name) =>
      createTable(
        name,
        [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
      ),
    async close() {
      ddb.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
