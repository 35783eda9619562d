/* fuzz-fields -- libFuzzer harness for the field parsers: identifiers
 * (lib/id.c), money (lib/money.c), times and dates (lib/time.c), service
 * lists and application fields (lib/card.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "km.h"

int LLVMFuzzerTestOneInput(const unsigned char *, size_t);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static const char *fields[] = { "type", "pesel", "first_name",
	    "surname", "street", "postcode", "city", "email", "phone", "nip",
	    "regon", "company", "services" };
	struct km_pesel p;
	struct km_app a;
	struct km_err e;
	char *s, out[32], uid[KM_UIDSZ];
	int64_t g;
	unsigned bits;
	time_t t;
	size_t i;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	km_pesel_check(s, &p, &e);
	km_nip_check(s, out, &e);
	km_regon_check(s, &e);
	km_idcard_check(s, &e);
	km_nrb_check(s, out, &e);
	km_luhn_valid(s);
	km_cardno_check(s, &e);
	km_uid_check(s, uid, &e);
	if (km_money_parse(s, &g, &e) == 0)
		km_money_fmt(g, out);
	km_time_parse(s, &t, &e);
	km_date_parse(s, &t, &e);
	km_services_parse(s, &bits, &e);
	km_app_init(&a);
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		km_app_set(&a, fields[i], s, &e);
	free(s);
	return 0;
}
