load helper
load lifecycle
setup() { km_setup; }
teardown() { if [ -e locked ]; then unlock_store; fi; }

# kmcard-block: a lost, stolen, damaged or misused card is blocked for good
# and put on the hotlist.

# What the shared cases of lifecycle.bash need to know of it.
PROG=kmcard-block
FROM=active
TO=blocked
PARTICIPLE=blocked
REASON=lost
ROPT=(-r "$REASON")
HOT=1
OTHER=ordered
USAGE="usage: kmcard-block [-jkt] [-c config] [-n note] -r reason [card ...]"
ROLES="clerk or helpdesk or admin"

@test "kmcard-block: an active card becomes blocked (human output)" { moves_human; }
@test "kmcard-block: -t prints number, state, reason, hotlisted" { moves_tsv; }
@test "kmcard-block: -j prints one JSON object a card" { moves_json; }
@test "kmcard-block: -n note is recorded in the card's history" { note_recorded; }
@test "kmcard-block: several cards as operands" { several_operands; }
@test "kmcard-block: several cards on stdin, blank lines and comments ignored" { several_on_stdin; }
@test "kmcard-block: -h prints usage on stdout" { prints_usage; }
@test "kmcard-block: -V prints the version" { prints_version; }
@test "kmcard-block: unknown option is a usage error" { unknown_option; }
@test "kmcard-block: one refused card in a list changes nothing" { one_refused_in_list; }
@test "kmcard-block: -k keeps the good cards of a list" { keeps_good_cards; }
@test "kmcard-block: the same card twice in a list changes nothing" { same_card_twice; }
@test "kmcard-block: a bad card number on stdin names its line" { bad_luhn_on_stdin; }
@test "kmcard-block: a card number that is not 16 digits is bad data" { not_16_digits 9001-0010-0000-0016; }
@test "kmcard-block: an unknown card is not found (exit 1)" { unknown_card; }
@test "kmcard-block: an unknown card on stdin names its line" { unknown_on_stdin; }
@test "kmcard-block: bad data outranks not found in the exit status" { bad_outranks_unknown; }
@test "kmcard-block: a clerk may run it" { role_may clerk; }
@test "kmcard-block: a user without a role for it is refused" { role_refused auditor cron device; }
@test "kmcard-block: a store locked by another writer is temporary (exit 4)" { store_busy; }
@test "kmcard-block: a missing store is a config error (exit 3)" { store_missing; }
@test "kmcard-block: a failing read of stdin is a system error (exit 5)" { stdin_fails; }
@test "kmcard-block: a failing write to stdout is a system error (exit 5)" { stdout_fails; }

# The transition table: block leads from personalised, active and
# suspended.
@test "kmcard-block: allowed from personalised" { allowed_from personalised; }
@test "kmcard-block: allowed from active" { allowed_from active; }
@test "kmcard-block: allowed from suspended" { allowed_from suspended; }
@test "kmcard-block: refused from ordered" { refused_from ordered; }
@test "kmcard-block: refused from blocked" { refused_from blocked; }
@test "kmcard-block: refused from replaced" { refused_from replaced; }
@test "kmcard-block: refused from expired" { refused_from expired; }
@test "kmcard-block: refused from revoked" { refused_from revoked; }

# block_for REASON: blocking for REASON is accepted and recorded.
block_for() {
	local n
	n=$(in_state active)
	run -0 --separate-stderr kmcard-block -r "$1" "$n"
	[ "$output" = "$(rec "$n" blocked "$1" yes)" ]
	[ -z "$stderr" ]
	[ "$(sqlite3 km.db "SELECT state || ' ' || reason FROM card WHERE number = '$n'")" = "blocked $1" ]
}

# block_refused REASON: blocking for REASON is bad data.
block_refused() {
	local n before
	n=$(in_state active)
	before=$(dump)
	run -3 --separate-stderr kmcard-block -r "$1" "$n"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-block: argument 1: block reason '$1': not one of lost, stolen, damaged, fraud
kmcard-block: 1 of 1 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-block: reason lost is accepted" { block_for lost; }
@test "kmcard-block: reason stolen is accepted" { block_for stolen; }
@test "kmcard-block: reason damaged is accepted" { block_for damaged; }
@test "kmcard-block: reason fraud is accepted" { block_for fraud; }
@test "kmcard-block: reason LOST is refused" { block_refused LOST; }
@test "kmcard-block: reason theft is refused" { block_refused theft; }
@test "kmcard-block: reason 'lost ' is refused" { block_refused "lost "; }
@test "kmcard-block: an empty reason is refused" { block_refused ""; }

@test "kmcard-block: -r is required" {
	n=$(in_state active)
	before=$(dump)
	run -2 --separate-stderr kmcard-block "$n"
	[ -z "$output" ]
	[ "$stderr" = "usage: kmcard-block [-jkt] [-c config] [-n note] -r reason [card ...]" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-block: the blocked card is put on the hotlist" {
	n=$(in_state active "$(p 1)")
	m=$(in_state active "$(p 2)")
	run -0 --separate-stderr kmcard-block -t -r damaged "$n"
	[ "$output" = "$(printf '%s\tblocked\tdamaged\t1' "$n")" ]
	[ -z "$stderr" ]
	listed_alone "$n" block damaged
}

@test "kmcard-block: a card blocked while suspended stays listed" {
	n=$(in_state suspended)
	[ "$(hotlist)" = "$(printf '%s\tsuspend\t' "$n")" ]
	run -0 --separate-stderr kmcard-block -t -r stolen "$n"
	[ "$output" = "$(printf '%s\tblocked\tstolen\t1' "$n")" ]
	[ -z "$stderr" ]
	[ "$(hotlist)" = "$(printf '%s\tblock\tstolen' "$n")" ]
}

@test "kmcard-block: helpdesk may block" { helpdesk_may; }
