/* fuzz-cfg -- libFuzzer harness for the config loader (lib/cfg.c, through
 * libyaml): the input is written to a file and loaded. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "km.h"

int LLVMFuzzerTestOneInput(const unsigned char *, size_t);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static char path[64];
	struct km_cfg *cfg;
	struct km_err e;
	FILE *fp;

	if (path[0] == '\0')
		snprintf(path, sizeof(path), "/tmp/fuzz-cfg.%ld.yaml",
		    (long)getpid());
	if ((fp = fopen(path, "w")) == NULL)
		return 0;
	fwrite(data, 1, size, fp);
	fclose(fp);
	if (km_cfg_load(&cfg, path, &e) == 0)
		km_cfg_free(cfg);
	unlink(path);
	return 0;
}
