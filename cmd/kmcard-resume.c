/*
 * kmcard-resume -- see kmcard-resume(1).  The lifecycle rules are lib/life.c's;
 * the option handling is shared with the other lifecycle programs
 * (cli/life.c).
 */
#include "cli.h"

int
main(int argc, char *argv[])
{
	return cli_life_main(argc, argv, KM_EV_RESUME);
}
