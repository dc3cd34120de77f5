import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces';

const NOT_SENDABLE =
  ' Display only: an XML rendering of a JSON_LISTINGS_FEED document. Amazon retired the XML listing feeds ' +
  '(POST_PRODUCT_DATA and the others) on 2025-07-31; this document cannot be sent. The JSON preview is what sellersync sends. ';

function append(parent: XMLBuilder, name: string, value: unknown): void {
  if (Array.isArray(value)) {
    for (const item of value) append(parent, name, item);
    return;
  }
  const element = parent.ele(name);
  if (value !== null && typeof value === 'object') for (const [key, child] of Object.entries(value)) append(element, key, child);
  else if (value !== null && value !== undefined) element.txt(String(value));
}

/**
 * Renders a `JSON_LISTINGS_FEED` document as XML for people who want to read it as the seed
 * modules showed their feeds ("Display the XML"). The result says in its root attributes and in a
 * comment that it is not sendable.
 */
export function renderFeedPreviewXml(json: string, marketplaceId: string): string {
  const document = JSON.parse(json) as { header: Record<string, unknown>; messages: Record<string, unknown>[] };
  const root = create({ version: '1.0', encoding: 'UTF-8' })
    .com(NOT_SENDABLE)
    .ele('ListingsFeedPreview', { feedType: 'JSON_LISTINGS_FEED', marketplaceId, sendable: 'false' });
  append(root, 'header', document.header);
  const messages = root.ele('messages');
  for (const message of document.messages) append(messages, 'message', message);
  return root.end({ prettyPrint: true });
}
