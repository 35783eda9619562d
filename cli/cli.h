/*
 * cli.h -- what the km programs share on the command side: the program
 * name, the one message style ("prog: what failed 'subject': why"), usage
 * and version, opening config and store with the role check, and the loop
 * over operands or stdin lines.  Unlike libkm, this code prints and exits:
 * it is the command's half of "the library reports, the command decides".
 */
#ifndef CLI_H
#define CLI_H

#include "km.h"

struct cli {
	struct km_cfg	*cfg;
	struct km_db	*db;
	unsigned	 roles;
	char		 user[KM_NAMESZ];
	struct km_out	 out;
};

/* Records argv[0]'s last component as the program name. */
void	cli_init(int argc, char *argv[]);
const char *cli_progname(void);
/* Prints "prog: msg" to stderr. */
void	cli_error(const struct km_err *);
/* Prints "prog: warning: ..." to stderr. */
void	cli_warn(const char *, ...) KM_PRINTF(1, 2);
/* Prints the error, closes what is open, exits with its status. */
__dead void cli_die(struct cli *, const struct km_err *);
/* "usage: prog synopsis" (several lines for several forms, separated by
 * '\n' in synopsis); to stderr and exit 2, or with -h to stdout, exit 0. */
__dead void cli_usage(const char *synopsis);
__dead void cli_help(const char *synopsis);
__dead void cli_version(void);
/* Loads the config (path or NULL), checks that the user holds one of the
 * roles allowed, and opens the store with dbflags (-1: no store).  Dies on
 * failure. */
void	cli_open(struct cli *, const char *cfgpath, unsigned allowed,
	    int dbflags);
/* After a commit: writes the CRL revocations await, or warns that
 * kmca-crl will (lib/ca.c, km_ca_publish_due()). */
void	cli_publish(struct cli *);
/* Checks the writes to stdout, closes everything, returns status. */
int	cli_close(struct cli *, int status);
/* Calls fn for each operand or, when there are none, for each non-empty
 * line of stdin (comments with '#' skipped), with where set to "argument
 * N" or "<stdin>:N".  Stops at the first fn that returns -2; returns the
 * number of keys seen, or -1 on a read error. */
long	cli_each(int argc, char *argv[],
	    int (*fn)(const char *key, const char *where, void *), void *arg);
/* One key of a batch, in a savepoint of its own: cli_key_begin() opens
 * it; cli_key_end() with e NULL keeps the key's changes, else rolls them
 * back and reports e as "where: why", counted in *nbad and *worst, unless
 * the store is busy or the system failed: that ends the program. */
void	cli_key_begin(struct cli *);
void	cli_key_end(struct cli *, const char *where, struct km_err *e,
	    unsigned long *nbad, enum km_errclass *worst);
/* Appends item (size bytes) to the array that arrayp points to (a
 * pointer to it: T **), of *n items and room for *cap, grown as needed;
 * no memory ends the program. */
void	cli_append(struct cli *, void *arrayp, size_t *n, size_t *cap,
	    const void *item, size_t size);
/* The worse of two error classes (ESYS > ETEMP > EDATA > ENOTFOUND). */
enum km_errclass cli_worse(enum km_errclass, enum km_errclass);
/* Progress on stderr, only when it is a terminal: "prog: N what\r". */
void	cli_progress(unsigned long n, const char *what);
void	cli_progress_end(void);

/* life.c: the shared main of the programs that move cards through their
 * lifecycle (kmcard-activate, -suspend, -resume, -block, -revoke). */
int	cli_life_main(int argc, char *argv[], int ev);

#endif
