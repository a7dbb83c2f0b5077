// Derives the Firefox manifest from manifest.json, the Chrome MV3 source of truth (SPEC §5). Firefox
// gets MV2 with a persistent background page: an MV3 event page is suspended when idle and the
// libp2p peer with it (PLATFORM.md). Its CSP must not upgrade ws:// (PLATFORM.md), and the peer runs
// in the background page itself, so Chrome's offscreen document and permission go away.

export const GECKO_ID = 'whisper@shh.example';
export const FIREFOX_CSP = "script-src 'self' 'wasm-unsafe-eval'; object-src 'self'";
const CHROME_ONLY_PERMISSIONS = new Set(['offscreen']);

type Json = Record<string, unknown>;

export function firefoxManifest(chrome: Json): Json {
  if (chrome.manifest_version !== 3) throw new RangeError('manifest.json must be Manifest V3');
  const { background, action, content_security_policy, minimum_chrome_version, permissions, host_permissions, ...rest } = chrome;
  void background;
  void content_security_policy;
  void minimum_chrome_version;
  const perms = [...((permissions as string[] | undefined) ?? []), ...((host_permissions as string[] | undefined) ?? [])];
  return {
    ...rest,
    manifest_version: 2,
    background: { scripts: ['background.js'], type: 'module', persistent: true },
    ...(action ? { browser_action: action } : {}),
    permissions: perms.filter((p) => !CHROME_ONLY_PERMISSIONS.has(p)),
    content_security_policy: FIREFOX_CSP,
    browser_specific_settings: {
      // Whisper sends nothing to its makers; Firefox 140+ asks every extension to say so.
      gecko: { id: GECKO_ID, strict_min_version: '140.0', data_collection_permissions: { required: ['none'] } },
      gecko_android: { strict_min_version: '142.0' },
    },
  };
}
