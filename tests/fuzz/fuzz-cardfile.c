/* fuzz-cardfile -- libFuzzer harness for the card file loader of
 * kmcard-sim(1) (km_vcard_open, lib/vcard.c): the input is written to a
 * file and loaded.  A card that loads must write itself out as text that
 * loads again to the same text (the file is the card's memory: what is
 * saved must be what was read), and must answer SELECT and READ RECORD. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "km.h"

int LLVMFuzzerTestOneInput(const unsigned char *, size_t);

static char path[64], again[64];

static int
put(const char *p, const void *data, size_t size)
{
	FILE *fp;

	if ((fp = fopen(p, "w")) == NULL)
		return -1;
	fwrite(data, 1, size, fp);
	return fclose(fp) == 0 ? 0 : -1;
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static const unsigned char select[] = {
		0x00, 0xA4, 0x04, 0x00, 0x07, 0xF0, 0x4B, 0x4D, 0x43, 0x41,
		0x52, 0x44, 0x00
	};
	static const unsigned char readenv[] = { 0x00, 0xB2, 0x01, 0x3C, 0x00 };
	static char text[KM_VCARD_TEXTMAX], text2[KM_VCARD_TEXTMAX];
	unsigned char r[KM_VCARD_RESPMAX];
	struct km_vcard *vc, *vc2;
	struct km_err e;
	size_t len, len2, n;

	if (path[0] == '\0') {
		snprintf(path, sizeof(path), "/tmp/fuzz-cardfile.%ld.km",
		    (long)getpid());
		snprintf(again, sizeof(again), "/tmp/fuzz-cardfile.%ld.2.km",
		    (long)getpid());
	}
	if (put(path, data, size) == -1)
		return 0;
	if (km_vcard_open(&vc, path, 0, &e) == 0) {
		len = km_vcard_text(vc, text);
		if (len >= KM_VCARD_TEXTMAX || strlen(text) != len)
			abort();
		if (put(again, text, len) == -1 ||
		    km_vcard_open(&vc2, again, 0, &e) == -1)
			abort();	/* what it saves does not load */
		len2 = km_vcard_text(vc2, text2);
		if (len2 != len || memcmp(text, text2, len) != 0)
			abort();	/* nor to the same card */
		/* A card that loads answers. */
		if (km_vcard_apdu(vc, select, sizeof(select), r, &n, &e) ==
		    -1 || n < 2 || (r[n - 2] != 0x90 && r[n - 2] != 0x62))
			abort();
		if (km_vcard_apdu(vc, readenv, sizeof(readenv), r, &n, &e) ==
		    -1 || n != 31)
			abort();
		km_vcard_free(vc2);
		km_vcard_free(vc);
		unlink(again);
	}
	unlink(path);
	return 0;
}
