// What a view of the unlocked popup may ask of the screen that hosts it: a redraw after a change the
// view made, or a return to the top-level router. Its own file so that the views and main-screen.ts
// depend on it, not on each other.

export interface Screen {
  /** Re-reads state and redraws (after a change the view made). */
  refresh(): void;
  /** Back to the top-level router (lock, wipe). */
  restart(): void;
}
