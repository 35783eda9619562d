/*
 * state.c -- the words of the card lifecycle: the names of its states and
 * events, and the reasons a card may be blocked for.  The card register,
 * the lifecycle and the CA all speak of states, so the words live apart
 * from the rules (life.c), which use the register and the CA.
 */
#include <string.h>

#include "km-internal.h"

static const char *const states[KM_NSTATES] = {
	"none", "ordered", "personalised", "active", "suspended", "blocked",
	"replaced", "expired", "revoked"
};

static const char *const evs[KM_NEVS] = {
	"personalise", "activate", "suspend", "resume", "block", "replace",
	"expire", "revoke"
};

static const char *const block_reasons[] = {
	"lost", "stolen", "damaged", "fraud"
};

const char *
km_state_name(int s)
{
	if (s < 0 || s >= KM_NSTATES)
		return "unknown";
	return states[s];
}

int
km_state_parse(const char *s)
{
	int i;

	for (i = 1; i < KM_NSTATES; i++)
		if (strcmp(s, states[i]) == 0)
			return i;
	return KM_ST_NONE;
}

const char *
km_ev_name(int ev)
{
	if (ev < 0 || ev >= KM_NEVS)
		return "unknown";
	return evs[ev];
}

int
km_block_reason_valid(const char *r)
{
	size_t i;

	for (i = 0; i < nitems(block_reasons); i++)
		if (strcmp(r, block_reasons[i]) == 0)
			return 1;
	return 0;
}
