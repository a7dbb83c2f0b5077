// A received message as shh_* JSON (geth whisperv6 api.go `Message`): bytes as 0x hex, ttl and
// timestamp as plain numbers, `sig` and `recipientPublicKey` omitted when absent. Keys in geth's
// order (gen_message_json.go), so even a byte-for-byte comparison of the JSON text matches.

import { toHex } from '../core/bytes.ts';
import type { ReceivedMessage } from '../core/filter.ts';
import { topicToJson } from '../core/topic.ts';

export interface MessageJson {
  sig?: string;
  ttl: number;
  timestamp: number;
  topic: string;
  payload: string;
  padding: string;
  pow: number;
  hash: string;
  recipientPublicKey?: string;
}

export function messageToJson(m: ReceivedMessage): MessageJson {
  return {
    ...(m.signer ? { sig: toHex(m.signer) } : {}),
    ttl: m.ttl,
    timestamp: m.timestamp,
    topic: topicToJson(m.topic),
    payload: toHex(m.payload),
    padding: toHex(m.padding),
    pow: m.pow,
    hash: toHex(m.hash),
    ...(m.recipientPublicKey ? { recipientPublicKey: toHex(m.recipientPublicKey) } : {}),
  };
}
