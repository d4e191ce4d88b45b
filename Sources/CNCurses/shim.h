#ifndef SWITCHYARD_CNCURSES_SHIM_H
#define SWITCHYARD_CNCURSES_SHIM_H
// The wide-character API needs this define; pkg-config's -D flags are refused by SwiftPM (see PITFALLS.md).
#define NCURSES_WIDECHAR 1
#include <ncursesw/curses.h>
#include <locale.h>
#include <langinfo.h>
#include <wchar.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

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
/// newterm on the process's stdout/stdin (Glibc's stdout is a global Swift 6 rejects). NULL when
/// the terminal type is unknown, where initscr would exit the process instead.
static inline SCREEN *swy_newterm(void) { return newterm(NULL, stdout, stdin); }
/// init_pair with -1 for "the terminal's default colour" (after use_default_colors).
static inline int swy_init_pair(short pair, short foreground, short background) {
    return init_pair(pair, foreground, background);
}

// Signals. SIGINT, SIGTERM and SIGHUP only set a flag, which the dashboard's input loop turns
// into an event (the loop wakes at least every 50 ms). A crash signal puts the terminal back
// with async-signal-safe calls only, then lets the signal kill the process as it would have.
// (One function-local static: a file-scope static in an imported header is never emitted.)
struct swy_signal_state {
    volatile sig_atomic_t pending;
    volatile sig_atomic_t saved_valid;
    struct termios saved;
};
static inline struct swy_signal_state *swy_signal_state(void) {
    static struct swy_signal_state state;
    return &state;
}

static void swy_on_signal(int number) { swy_signal_state()->pending = number; }

static void swy_on_crash(int number) {
    struct swy_signal_state *state = swy_signal_state();
    if (state->saved_valid) tcsetattr(STDIN_FILENO, TCSANOW, &state->saved);
    static const char reset[] = "\033[0m\033[?25h\033[?1049l\r\n";
    ssize_t ignored = write(STDOUT_FILENO, reset, sizeof reset - 1);
    (void)ignored;
    signal(number, SIG_DFL);
    raise(number);
}

/// Saves the terminal's modes (for the crash path) and installs the handlers above.
static inline void swy_install_signal_handlers(void) {
    struct swy_signal_state *state = swy_signal_state();
    if (tcgetattr(STDIN_FILENO, &state->saved) == 0) state->saved_valid = 1;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    sigemptyset(&action.sa_mask);
    action.sa_handler = swy_on_signal;
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGHUP, &action, NULL);
    action.sa_handler = swy_on_crash;
    action.sa_flags = (int)SA_RESETHAND;
    sigaction(SIGSEGV, &action, NULL);
    sigaction(SIGBUS, &action, NULL);
    sigaction(SIGILL, &action, NULL);
    sigaction(SIGTRAP, &action, NULL);
    sigaction(SIGABRT, &action, NULL);
    sigaction(SIGFPE, &action, NULL);
}

/// The signal that arrived since the last call (0 for none), and forgets it.
static inline int swy_take_signal(void) {
    int number = swy_signal_state()->pending;
    swy_signal_state()->pending = 0;
    return number;
}
#endif
