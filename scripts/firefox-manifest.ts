// Derives the Firefox manifest from manifest.json, the Chrome MV3 source of truth (docs/PROTOCOL.md
// §5), and stamps both with package.json's version. Firefox gets MV2 with a persistent background
// page: an MV3 event page is suspended when idle and the libp2p peer with it. Its CSP must not
// upgrade ws:// (Firefox's default MV3 CSP does, and the relay is dialled on ws:// in development),
// and the peer runs in the background page itself, so Chrome's offscreen document and permission go.

/**
 * The add-on's id on addons.mozilla.org, forever: Firefox keys storage, permissions and updates on
 * it. The `@name` form (an e-mail address with an empty local part) is one Mozilla accepts and claims
 * no domain; `whisper-shh` is the project's package name. See README.md, "Packages".
 */
export const GECKO_ID = '@whisper-shh';
export const FIREFOX_CSP = "script-src 'self' 'wasm-unsafe-eval'; object-src 'self'";
const CHROME_ONLY_PERMISSIONS = new Set(['offscreen']);
/**
 * Firefox names a frame's tab URL (the approval window's "embedded in") only with a host permission;
 * the content scripts already run on every page, so this asks for nothing the install prompt does not.
 */
const FIREFOX_ONLY_PERMISSIONS = ['<all_urls>'];

type Json = Record<string, unknown>;

const SEMVER = /^(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?$/;

/**
 * The source manifest with `version` set from package.json. Browsers want up to four dot-separated
 * integers, so a pre-release such as 0.2.0-beta.1 becomes version 0.2.0 with Chrome's `version_name`
 * showing the full string. The source must not carry a version of its own: one place to bump it.
 */
export function withVersion(source: Json, version: string): Json {
  if ('version' in source || 'version_name' in source) throw new RangeError('manifest.json: remove "version"; it comes from package.json');
  const m = SEMVER.exec(version);
  if (!m) throw new RangeError(`package.json version must be semver, got "${version}"`);
  const { manifest_version, name, short_name, ...rest } = source;
  return {
    manifest_version,
    name,
    ...(short_name === undefined ? {} : { short_name }),
    version: `${m[1]}.${m[2]}.${m[3]}`,
    ...(m[4] ? { version_name: version } : {}),
    ...rest,
  };
}

export function firefoxManifest(chrome: Json): Json {
  if (chrome.manifest_version !== 3) throw new RangeError('manifest.json must be Manifest V3');
  const { background, action, content_security_policy, minimum_chrome_version, permissions, host_permissions, version_name, ...rest } = chrome;
  void background;
  void version_name; // Chrome-only; Firefox shows `version`
  void content_security_policy;
  void minimum_chrome_version;
  const perms = [...((permissions as string[] | undefined) ?? []), ...((host_permissions as string[] | undefined) ?? [])];
  return {
    ...rest,
    manifest_version: 2,
    background: { scripts: ['background.js'], type: 'module', persistent: true },
    ...(action ? { browser_action: action } : {}),
    permissions: [...perms.filter((p) => !CHROME_ONLY_PERMISSIONS.has(p)), ...FIREFOX_ONLY_PERMISSIONS.filter((p) => !perms.includes(p))],
    content_security_policy: FIREFOX_CSP,
    browser_specific_settings: {
      // Whisper sends nothing to its makers; Firefox 140+ asks every extension to say so.
      gecko: { id: GECKO_ID, strict_min_version: '140.0', data_collection_permissions: { required: ['none'] } },
      gecko_android: { strict_min_version: '142.0' },
    },
  };
}
