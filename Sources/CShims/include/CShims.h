// Typed entry points for what Swift cannot call directly: ncurses attribute macros,
// and the variadic curl_easy_setopt / sqlite3_config.
#ifndef CSHIMS_H
#define CSHIMS_H
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <ncursesw/curses.h>
#include <curl/curl.h>
#include <sqlite3.h>

extern const unsigned int sp_A_BOLD;
extern const unsigned int sp_A_REVERSE;
extern const unsigned int sp_A_UNDERLINE;
extern const unsigned int sp_A_DIM;
extern const unsigned int sp_A_NORMAL;
int sp_key_f(int n);
unsigned int sp_color_pair(int n);

/// Mouse: the events the console asks for (button-1 clicks), and whether an event is one.
mmask_t sp_mouse_click_mask(void);
int sp_mouse_is_click(mmask_t state);
/// Draws one cell: the UTF-32 grapheme (up to 4 scalars), attributes and an extended colour pair.
int sp_put_cell(WINDOW *win, int y, int x, const unsigned int *scalars, int count, attr_t attrs, int pair);
/// The colour count and whether colours work, after start_color.
int sp_colors(void);
int sp_has_colors(void);

typedef struct { int rows; int cols; } sp_size;
sp_size sp_window_size(WINDOW *win);

CURLcode sp_curl_setopt_long(CURL *curl, CURLoption option, long value);
CURLcode sp_curl_setopt_ptr(CURL *curl, CURLoption option, void *value);
CURLcode sp_curl_setopt_str(CURL *curl, CURLoption option, const char *value);
typedef size_t (*sp_curl_write_fn)(char *data, size_t size, size_t nmemb, void *userdata);
CURLcode sp_curl_setopt_writefn(CURL *curl, sp_curl_write_fn fn);
typedef int (*sp_curl_xfer_fn)(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow);
CURLcode sp_curl_setopt_xferfn(CURL *curl, sp_curl_xfer_fn fn);
long sp_curl_response_code(CURL *curl);
/// The response's Content-Type, or NULL before headers arrived.
const char *sp_curl_content_type(CURL *curl);

/// SQLITE_TRANSIENT as a callable destructor value.
sqlite3_destructor_type sp_sqlite_transient(void);
#endif
