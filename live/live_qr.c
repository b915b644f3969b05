/*
 * A QR code for a terminal: libqrencode encodes, we draw two rows of
 * modules per line with half blocks.  Like `qrencode -t UTF8`, light
 * modules (and the quiet zone) are drawn and dark ones left blank, which
 * reads right on the usual light-on-dark terminal.
 */
#include "live_serve.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#define QUIET 2

static int
dark(const QRcode *q, int x, int y)
{
	if (x < 0 || y < 0 || x >= q->width || y >= q->width)
		return 0;
	return q->data[y * q->width + x] & 1;
}

int
adac_live_qr(const char *text, char **out, struct adac_error *err)
{
	/* index: top dark * 2 + bottom dark */
	static const char *cell[4] = { "\xe2\x96\x88", "\xe2\x96\x80",
				       "\xe2\x96\x84", " " };
	QRcode *q;
	char *s, *p;
	int x, y, w;

	if (strlen(text) > 1000)
		return adac_error_set(err, ADAC_E_INPUT, "",
				      "text is too long for a QR code");
	q = QRcode_encodeString(text, 0, QR_ECLEVEL_L, QR_MODE_8, 1);
	if (q == NULL)
		return adac_error_set(err, errno == ENOMEM ? ADAC_E_NOMEM : ADAC_E_INPUT,
				      "", "cannot encode a QR code");
	w = q->width + 2 * QUIET;
	s = malloc((size_t)(w / 2 + 2) * (w * 3 + 1) + 1);
	if (s == NULL) {
		QRcode_free(q);
		return adac_error_set(err, ADAC_E_NOMEM, "", "out of memory");
	}
	p = s;
	for (y = -QUIET; y < q->width + QUIET; y += 2) {
		for (x = -QUIET; x < q->width + QUIET; x++) {
			const char *c = cell[dark(q, x, y) * 2 + dark(q, x, y + 1)];

			strcpy(p, c);
			p += strlen(c);
		}
		*p++ = '\n';
	}
	*p = '\0';
	QRcode_free(q);
	*out = s;
	return ADAC_OK;
}
