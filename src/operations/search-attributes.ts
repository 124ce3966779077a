/**
 * Registering the video search attributes on a namespace, and finding out whether they are there.
 * Idempotent: only the missing ones are added. Workers check once in a while so a workflow never
 * upserts an attribute the namespace does not know (that would fail its workflow task).
 */
import type { SearchAttributeType } from '@temporalio/common';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import type { temporal } from '@temporalio/proto';
import { VIDEO_SEARCH_ATTRIBUTES } from '../search-attributes';

/** The operator service of a Connection (client) or NativeConnection (worker). */
export interface OperatorConnection {
  operatorService: Pick<
    temporal.api.operatorservice.v1.OperatorService,
    'listSearchAttributes' | 'addSearchAttributes'
  >;
}

/** Names of the video search attributes the namespace does not have yet. */
export async function missingSearchAttributes(connection: OperatorConnection, namespace: string): Promise<string[]> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  return VIDEO_SEARCH_ATTRIBUTES.filter((key) => !customAttributes?.[key.name]).map((key) => key.name);
}

/** Add the missing ones; returns what was added (nothing when all were there). */
export async function registerSearchAttributes(connection: OperatorConnection, namespace: string): Promise<string[]> {
  const missing = new Set(await missingSearchAttributes(connection, namespace));
  if (!missing.size) return [];
  const searchAttributes = Object.fromEntries(
    VIDEO_SEARCH_ATTRIBUTES.filter((key) => missing.has(key.name)).map((key) => [
      key.name,
      encodeSearchAttributeIndexedValueType(key.type as SearchAttributeType)!,
    ]),
  );
  await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
  return [...missing];
}
