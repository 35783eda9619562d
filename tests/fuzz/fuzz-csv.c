/* fuzz-csv -- libFuzzer harness for the CSV reader (lib/csv.c): every
 * input is read to the end, record by record, reading on after errors as
 * a -k batch does. */
#include <stdio.h>

#include "km.h"

int LLVMFuzzerTestOneInput(const unsigned char *, size_t);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct km_csv csv;
	struct km_err e;
	FILE *fp;
	size_t i, n = 0;
	int rc;

	if ((fp = fmemopen((void *)data, size, "r")) == NULL)
		return 0;
	km_csv_init(&csv, fp);
	csv.name = "<fuzz>";
	while ((rc = km_csv_next(&csv, &e)) != 0 && n++ < 100000) {
		if (rc == -1 && e.eclass != KM_EDATA)
			break;
		for (i = 0; rc == 1 && i < csv.nfield; i++)
			(void)csv.field[i][0];
	}
	km_csv_free(&csv);
	fclose(fp);
	return 0;
}
