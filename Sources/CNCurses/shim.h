#ifndef SWITCHYARD_CNCURSES_SHIM_H
#define SWITCHYARD_CNCURSES_SHIM_H
// The wide-character API needs this define; pkg-config's -D flags are refused by SwiftPM (see PITFALLS.md).
#define NCURSES_WIDECHAR 1
#include <ncursesw/curses.h>
#include <locale.h>
#include <langinfo.h>
#include <wchar.h>

/// getmaxyx is a macro that assigns to its arguments; stdscr is a global Swift 6 rejects.
static inline void swy_screen_size(int *rows, int *columns) { getmaxyx(stdscr, *rows, *columns); }
/// COLOR_PAIR is a macro.
static inline int swy_color_pair(short pair) { return COLOR_PAIR(pair); }
/// timeout() is a macro over wtimeout(stdscr, ...).
static inline void swy_input_timeout(int milliseconds) { wtimeout(stdscr, milliseconds); }
/// keypad needs stdscr, a global Swift 6 rejects.
static inline void swy_enable_keypad(void) { keypad(stdscr, TRUE); }
/// A_* attributes are macros built from NCURSES_BITS.
static inline attr_t swy_attr_normal(void) { return A_NORMAL; }
static inline attr_t swy_attr_bold(void) { return A_BOLD; }
static inline attr_t swy_attr_reverse(void) { return A_REVERSE; }
static inline attr_t swy_attr_dim(void) { return A_DIM; }
static inline attr_t swy_attr_underline(void) { return A_UNDERLINE; }
/// Draws `count` wide characters at (row, column) with the given attributes and colour pair.
static inline void swy_draw(int row, int column, const wchar_t *text, int count, attr_t attrs, short pair) {
    attr_set(attrs, pair, 0);
    mvaddnwstr(row, column, text, count);
}
/// Reads one key: returns OK (a character in *key), KEY_CODE_YES (a function key), or ERR (timeout).
static inline int swy_read_key(wint_t *key) { return get_wch(key); }
/// wnoutrefresh/doupdate split: flushes only the changed cells (ncurses keeps its own diff too).
static inline void swy_refresh(void) { refresh(); }
/// clearok(stdscr, TRUE) forces a full repaint on the next refresh (after resize).
static inline void swy_force_repaint(void) { clearok(stdscr, TRUE); }
/// The locale's codeset, to decide between Unicode and ASCII drawing.
static inline const char *swy_codeset(void) { return nl_langinfo(CODESET); }
#endif
