// Buttons that approve or destroy ignore input for a moment after they appear and whenever their window
// comes back to the front (docs/SECURITY.md "Approval window"): a keystroke or click meant for a page
// or another window cannot land on them. They are disabled meanwhile (so they also look inactive) and
// never focused by default.

/** How long after appearing, or after the window regains focus, the guarded buttons stay disabled. */
export const INPUT_DELAY_MS = 700;

export function guardInput(buttons: HTMLButtonElement[], ms = INPUT_DELAY_MS): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const release = (): void => {
    for (const b of buttons) if (b.dataset.guarded !== undefined) ((b.disabled = false), delete b.dataset.guarded);
  };
  const arm = (): void => {
    if (buttons.length > 0 && !buttons.some((b) => b.isConnected) && timer !== undefined) return off(); // the screen went away
    for (const b of buttons) if (!b.disabled || b.dataset.guarded !== undefined) ((b.disabled = true), (b.dataset.guarded = ''));
    clearTimeout(timer);
    timer = setTimeout(release, ms);
  };
  const onVisible = (): void => {
    if (document.visibilityState === 'visible') arm();
  };
  const off = (): void => {
    clearTimeout(timer);
    removeEventListener('focus', arm);
    document.removeEventListener('visibilitychange', onVisible);
  };
  addEventListener('focus', arm);
  document.addEventListener('visibilitychange', onVisible);
  arm();
}
