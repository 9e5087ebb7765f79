#include "CShims.h"

const unsigned int sp_A_BOLD = A_BOLD;
const unsigned int sp_A_REVERSE = A_REVERSE;
const unsigned int sp_A_UNDERLINE = A_UNDERLINE;
const unsigned int sp_A_DIM = A_DIM;
const unsigned int sp_A_NORMAL = A_NORMAL;
int sp_key_f(int n) { return KEY_F(n); }
unsigned int sp_color_pair(int n) { return (unsigned int)COLOR_PAIR(n); }

mmask_t sp_mouse_click_mask(void) { return BUTTON1_CLICKED | BUTTON1_PRESSED; }
int sp_mouse_is_click(mmask_t state) { return (state & (BUTTON1_CLICKED | BUTTON1_PRESSED)) != 0; }

int sp_put_cell(WINDOW *win, int y, int x, const unsigned int *scalars, int count, attr_t attrs, int pair) {
    wchar_t w[CCHARW_MAX + 1];
    int n = count < CCHARW_MAX ? count : CCHARW_MAX;
    for (int i = 0; i < n; i++) w[i] = (wchar_t)scalars[i];
    w[n] = 0;
    cchar_t cc;
    if (setcchar(&cc, w, attrs, 0, &pair) != OK) return ERR;
    return mvwadd_wch(win, y, x, &cc);
}
int sp_colors(void) { return COLORS; }
int sp_has_colors(void) { return has_colors() ? 1 : 0; }

sp_size sp_window_size(WINDOW *win) {
    sp_size s;
    getmaxyx(win, s.rows, s.cols);
    return s;
}

CURLcode sp_curl_setopt_long(CURL *curl, CURLoption option, long value) { return curl_easy_setopt(curl, option, value); }
CURLcode sp_curl_setopt_ptr(CURL *curl, CURLoption option, void *value) { return curl_easy_setopt(curl, option, value); }
CURLcode sp_curl_setopt_str(CURL *curl, CURLoption option, const char *value) { return curl_easy_setopt(curl, option, value); }
CURLcode sp_curl_setopt_writefn(CURL *curl, sp_curl_write_fn fn) { return curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, fn); }
CURLcode sp_curl_setopt_xferfn(CURL *curl, sp_curl_xfer_fn fn) { return curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, fn); }
long sp_curl_response_code(CURL *curl) {
    long code = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
    return code;
}

const char *sp_curl_content_type(CURL *curl) {
    char *ct = NULL;
    if (curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &ct) != CURLE_OK) return NULL;
    return ct;
}

sqlite3_destructor_type sp_sqlite_transient(void) { return SQLITE_TRANSIENT; }
