// The one door to ncursesw. Wide-character functions (setcchar, mvadd_wch) need these two
// macros defined before curses.h is read; pkg-config's flags alone do not set them.
#ifndef OMNICHAT_CNCURSESW_SHIM_H
#define OMNICHAT_CNCURSESW_SHIM_H

#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif

#include <locale.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>
#include <ncursesw/curses.h>

// MARK: - Macros and globals that Swift cannot import directly, as functions

/// The standard screen window.
static inline WINDOW *omnichat_stdscr(void) { return stdscr; }
/// Colours the terminal has (terminfo `colors`), after start_color.
static inline int omnichat_colors(void) { return COLORS; }
/// Colour pairs the terminal has, after start_color.
static inline int omnichat_color_pairs(void) { return COLOR_PAIRS; }
/// Rows and columns of the screen.
static inline int omnichat_lines(void) { return LINES; }
static inline int omnichat_cols(void) { return COLS; }
/// The code wgetch returns after SIGWINCH.
static inline int omnichat_key_resize(void) { return KEY_RESIZE; }

/// Attribute bits.
static inline attr_t omnichat_attr_bold(void) { return A_BOLD; }
static inline attr_t omnichat_attr_reverse(void) { return A_REVERSE; }
static inline attr_t omnichat_attr_dim(void) { return A_DIM; }
static inline attr_t omnichat_attr_underline(void) { return A_UNDERLINE; }
static inline attr_t omnichat_attr_italic(void) { return A_ITALIC; }

/// Draws one cell: up to CCHARW_MAX wide characters (a base and its combining marks) with
/// attributes and an extended colour pair (any pair number, not only those that fit a short).
static inline int omnichat_put_cell(int row, int column, const wchar_t *characters, attr_t attributes, int pair) {
    cchar_t cell;
    int extendedPair = pair;
    if (setcchar(&cell, characters, attributes, 0, &extendedPair) == ERR) return ERR;
    return mvadd_wch(row, column, &cell);
}

/// Starts curses on standard output and input for terminal type `term` (NULL: $TERM).
static inline SCREEN *omnichat_newterm(const char *term) { return newterm(term, stdout, stdin); }

/// Writes bytes straight to standard output (mode switches curses has no capability for).
static inline void omnichat_write(const char *bytes) {
    fputs(bytes, stdout);
    fflush(stdout);
}

// MARK: - Restoring the terminal when the process dies of a signal
//
// A crash (a Swift trap is SIGILL or SIGTRAP, a bad access SIGSEGV or SIGBUS, an abort SIGABRT)
// never reaches endwin. These handlers write the sequences that undo the session's modes and put
// back the terminal settings saved before curses started, then let the signal kill the process as
// it would have. write() and tcsetattr() are async-signal-safe; nothing here allocates.

// The state lives in a function-local static: Swift emits the header's static inline functions
// into the one object that calls them, but not file-level static variables.
struct omnichat_crash_state {
    struct termios saved_termios;
    int saved_fd;
    char reset_bytes[256];
    size_t reset_length;
};

static inline struct omnichat_crash_state *omnichat_crash_state(void) {
    static struct omnichat_crash_state state = {.saved_fd = -1, .reset_length = 0};
    return &state;
}

static inline void omnichat_set_crash_handlers(void (*handler)(int)) {
    static const int signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE};
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = handler;
    sigemptyset(&action.sa_mask);
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) sigaction(signals[i], &action, NULL);
}

/// Remembers the terminal settings of `fd` (call before curses changes them).
static inline void omnichat_save_terminal_state(int fd) {
    struct omnichat_crash_state *state = omnichat_crash_state();
    if (tcgetattr(fd, &state->saved_termios) == 0) state->saved_fd = fd;
}

static inline void omnichat_crash_handler(int signal_number) {
    struct omnichat_crash_state *state = omnichat_crash_state();
    if (state->reset_length > 0) {
        ssize_t ignored = write(STDOUT_FILENO, state->reset_bytes, state->reset_length);
        (void)ignored;
    }
    if (state->saved_fd >= 0) tcsetattr(state->saved_fd, TCSANOW, &state->saved_termios);
    struct sigaction fallback;
    memset(&fallback, 0, sizeof fallback);
    fallback.sa_handler = SIG_DFL;
    sigaction(signal_number, &fallback, NULL);
    raise(signal_number);
}

/// Installs the crash handlers; `reset` is written to standard output when one runs.
static inline void omnichat_install_crash_restore(const char *reset) {
    struct omnichat_crash_state *state = omnichat_crash_state();
    size_t length = strlen(reset);
    if (length >= sizeof state->reset_bytes) length = sizeof state->reset_bytes - 1;
    memcpy(state->reset_bytes, reset, length);
    state->reset_length = length;
    omnichat_set_crash_handlers(omnichat_crash_handler);
}

/// Puts the default actions back (after a normal restore).
static inline void omnichat_remove_crash_restore(void) {
    omnichat_set_crash_handlers(SIG_DFL);
    omnichat_crash_state()->reset_length = 0;
}

// MARK: - terminfo lookup (term.h comes last: it defines a macro for every capability name)

#include <ncursesw/term.h>

/// The colour capabilities of the terminfo entry `name`: `*colors` (0 when absent) and
/// `*direct` (1 when it has the RGB or Tc flag); returns 0 when the entry is not installed.
static inline int omnichat_terminfo_colors(const char *name, int *colors, int *direct) {
    TERMINAL *saved = cur_term;
    int status = 0;
    if (setupterm(name, STDOUT_FILENO, &status) != OK) {
        set_curterm(saved);
        return 0;
    }
    int count = tigetnum("colors");
    *colors = count > 0 ? count : 0;
    *direct = tigetflag("RGB") > 0 || tigetflag("Tc") > 0;
    del_curterm(cur_term);
    set_curterm(saved);
    return 1;
}

#endif
