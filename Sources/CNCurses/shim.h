#ifndef SWITCHYARD_CNCURSES_SHIM_H
#define SWITCHYARD_CNCURSES_SHIM_H
// The wide-character API needs this define. pkg-config's -D flags would give it, but SwiftPM
// refuses -D flags from pkg-config, so this target has no pkgConfig (docs/pitfalls.md).
#define NCURSES_WIDECHAR 1
#include <ncursesw/curses.h>
#include <locale.h>
#include <langinfo.h>
#include <wchar.h>
#include <signal.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

/// getmaxyx is a macro that assigns to its arguments; stdscr is a global Swift 6 rejects.
static inline void swy_screen_size(int *rows, int *columns) { getmaxyx(stdscr, *rows, *columns); }
/// COLOR_PAIR is a macro.
static inline int swy_color_pair(short pair) { return COLOR_PAIR(pair); }
/// timeout() is a macro over wtimeout(stdscr, ...).
static inline void swy_input_timeout(int milliseconds) { wtimeout(stdscr, milliseconds); }
/// keypad and leaveok need stdscr, a global Swift 6 rejects.
static inline void swy_enable_keypad(void) { keypad(stdscr, TRUE); leaveok(stdscr, TRUE); }
/// A_* attributes are macros built from NCURSES_BITS.
static inline attr_t swy_attr_normal(void) { return A_NORMAL; }
static inline attr_t swy_attr_bold(void) { return A_BOLD; }
static inline attr_t swy_attr_reverse(void) { return A_REVERSE; }
static inline attr_t swy_attr_dim(void) { return A_DIM; }
static inline attr_t swy_attr_underline(void) { return A_UNDERLINE; }
/// Draws `count` wide characters at (row, column) with the given attributes and colour pair
/// (attr_set and mvaddnwstr are macros over stdscr).
static inline void swy_draw(int row, int column, const wchar_t *text, int count, attr_t attrs, short pair) {
    attr_set(attrs, pair, 0);
    mvaddnwstr(row, column, text, count);
}
/// Reads one key: returns OK (a character in *key), KEY_CODE_YES (a function key), or ERR (timeout).
static inline int swy_read_key(wint_t *key) { return get_wch(key); }
/// wnoutrefresh/doupdate: sends only what changed on stdscr since the last update.
static inline void swy_refresh(void) { wnoutrefresh(stdscr); doupdate(); }
/// clearok(stdscr, TRUE) makes the next refresh repaint everything (after a resize or Ctrl-L).
static inline void swy_force_repaint(void) { clearok(stdscr, TRUE); }
/// Blanks stdscr's contents (after a resize, before the new frame is drawn).
static inline void swy_erase(void) { werase(stdscr); }
/// The locale's codeset, to decide between Unicode and ASCII drawing.
static inline const char *swy_codeset(void) { return nl_langinfo(CODESET); }
/// COLOR_PAIRS is a global Swift 6 rejects.
static inline int swy_color_pairs(void) { return COLOR_PAIRS; }
/// LC_ALL is a macro Swift imports, but setlocale's use is clearer kept beside the codeset.
static inline void swy_use_environment_locale(void) { setlocale(LC_ALL, ""); }

// Crash path: a fatal signal (a Swift trap is SIGILL or SIGTRAP) would leave the terminal in
// curses mode. The handler restores it and puts the previous handler back (Swift's backtracer),
// so the crash report lands on a sane screen: a fault returns and faults again into that
// handler with the real context; abort and trap signals are raised again. Best effort: endwin
// is not async-signal-safe, but the process is dying either way.
static const int swy_fatal_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP };
#define SWY_FATAL_COUNT ((int)(sizeof(swy_fatal_signals) / sizeof(swy_fatal_signals[0])))
// Swift emits a header's static functions, not its static data: state lives in function statics.
static inline struct sigaction *swy_previous_fatal(void) { static struct sigaction saved[SWY_FATAL_COUNT]; return saved; }
static volatile sig_atomic_t swy_fatal_installed = 0;

static inline void swy_uninstall_crash_restore(void) {
    if (!swy_fatal_installed) return;
    for (int i = 0; i < SWY_FATAL_COUNT; i++) sigaction(swy_fatal_signals[i], &swy_previous_fatal()[i], NULL);
    swy_fatal_installed = 0;
}
static void swy_fatal_handler(int sig) {
    if (!isendwin()) { curs_set(1); endwin(); }
    swy_uninstall_crash_restore();
    if (sig == SIGABRT || sig == SIGTRAP) raise(sig);
}
/// Installs the crash-path restore for the fatal signals (idempotent).
static inline void swy_install_crash_restore(void) {
    if (swy_fatal_installed) return;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = swy_fatal_handler;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_NODEFER;
    for (int i = 0; i < SWY_FATAL_COUNT; i++) sigaction(swy_fatal_signals[i], &action, &swy_previous_fatal()[i]);
    swy_fatal_installed = 1;
}

// Stop signals (SIGINT, SIGTERM, SIGHUP): the handler only notes the signal in a pipe the
// dashboard polls beside the tty (the self-pipe trick; write is async-signal-safe). A C
// handler, because a Swift closure cannot be one without global mutable state.
static const int swy_stop_signals[] = { SIGINT, SIGTERM, SIGHUP };
#define SWY_STOP_COUNT 3
static inline struct sigaction *swy_previous_stop(void) { static struct sigaction saved[SWY_STOP_COUNT]; return saved; }
static int swy_signal_pipe[2] = { -1, -1 };

static void swy_stop_handler(int sig) {
    int saved = errno;
    unsigned char byte = (unsigned char)sig;
    if (swy_signal_pipe[1] >= 0) (void)!write(swy_signal_pipe[1], &byte, 1);
    errno = saved;
}
/// Installs the stop-signal handler; returns the pipe's read end to poll, or -1.
static inline int swy_install_stop_signals(void) {
    if (swy_signal_pipe[0] >= 0) return swy_signal_pipe[0];
    if (pipe(swy_signal_pipe) != 0) return -1;
    for (int i = 0; i < 2; i++) {
        fcntl(swy_signal_pipe[i], F_SETFL, fcntl(swy_signal_pipe[i], F_GETFL) | O_NONBLOCK);
        fcntl(swy_signal_pipe[i], F_SETFD, FD_CLOEXEC);
    }
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = swy_stop_handler;
    sigemptyset(&action.sa_mask);
    for (int i = 0; i < SWY_STOP_COUNT; i++) sigaction(swy_stop_signals[i], &action, &swy_previous_stop()[i]);
    return swy_signal_pipe[0];
}
/// The next stop signal noted by the handler, or 0 when none is waiting.
static inline int swy_take_stop_signal(void) {
    unsigned char byte = 0;
    if (swy_signal_pipe[0] < 0 || read(swy_signal_pipe[0], &byte, 1) != 1) return 0;
    return byte;
}
/// Puts back the stop-signal handlers that were there before (idempotent).
static inline void swy_uninstall_stop_signals(void) {
    if (swy_signal_pipe[0] < 0) return;
    for (int i = 0; i < SWY_STOP_COUNT; i++) sigaction(swy_stop_signals[i], &swy_previous_stop()[i], NULL);
    int read_end = swy_signal_pipe[0], write_end = swy_signal_pipe[1];
    swy_signal_pipe[0] = swy_signal_pipe[1] = -1;
    close(read_end);
    close(write_end);
}
#endif
