/* fuzz-req -- libFuzzer harness for what the CA takes from outside
 * (lib/x509.c): every input is offered to km_req_parse() as a request
 * (CSR or public key) and to km_cert_parse() as a certificate; what
 * parses is described, encoded again and its key identified, as
 * kmca-sign and the store would. */
#include <stdlib.h>

#include "km.h"

int LLVMFuzzerTestOneInput(const unsigned char *, size_t);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct km_certinfo ci;
	struct km_cert *c;
	struct km_key *k;
	struct km_err e;
	unsigned char *der;
	size_t len;
	char id[65], *pem;
	int iscsr;

	if (km_req_parse(data, size, "<fuzz>", &k, &iscsr, &e) == 0) {
		(void)km_key_id(k, id, &e);
		km_key_free(k);
	}
	if (km_cert_parse(&c, data, size, &e) == 0) {
		(void)km_cert_info(c, &ci, &e);
		if (km_cert_der(c, &der, &len, &e) == 0)
			free(der);
		if (km_cert_pem(c, &pem, &e) == 0)
			free(pem);
		if (km_cert_pubkey(c, &k, &e) == 0)
			km_key_free(k);
		km_cert_free(c);
	}
	return 0;
}
