/* fuzz-hotlist -- libFuzzer harness for the hotlist file reader
 * (km_hotlist_verify, lib/blacklist.c).  The input is signed with a test
 * key before it is read, so the parser behind the signature check is
 * reached; an input that begins with '!' goes unsigned, to reach the
 * check itself. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "km.h"

int LLVMFuzzerTestOneInput(const unsigned char *, size_t);

static struct km_cfg cfg;
static struct km_key *key;
static char path[64];

static int
init(void)
{
	static char keypath[64];
	char cmd[160];
	struct km_err e;

	snprintf(keypath, sizeof(keypath), "/tmp/fuzz-hl.%ld.key",
	    (long)getpid());
	snprintf(path, sizeof(path), "/tmp/fuzz-hl.%ld.txt", (long)getpid());
	snprintf(cmd, sizeof(cmd), "openssl genpkey -algorithm EC -pkeyopt "
	    "ec_paramgen_curve:P-256 -out %s 2>/dev/null", keypath);
	if (system(cmd) != 0 || chmod(keypath, 0600) == -1 ||
	    km_key_load(&key, keypath, &e) == -1)
		abort();
	cfg.path = (char *)"fuzz";
	cfg.keys.hotlist_signer = keypath;
	return 0;
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct km_hotlist hl;
	struct km_err e;
	unsigned char *sig = NULL;
	char *b64 = NULL;
	size_t siglen;
	FILE *fp;

	if (key == NULL)
		init();
	if ((fp = fopen(path, "w")) == NULL)
		return 0;
	fwrite(data, 1, size, fp);
	if ((size == 0 || data[0] != '!') &&
	    km_key_sign(key, data, size, &sig, &siglen, &e) == 0 &&
	    km_b64_encode(sig, siglen, &b64, &e) == 0)
		fprintf(fp, "signature sha256 %s\n", b64);
	fclose(fp);
	free(sig);
	free(b64);
	km_hotlist_verify(&cfg, path, &hl, &e);
	unlink(path);
	return 0;
}
