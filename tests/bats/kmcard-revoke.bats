load helper
load lifecycle
setup() { km_setup; }
teardown() { if [ -e locked ]; then unlock_store; fi; }

# kmcard-revoke: a card is withdrawn for good and put on the hotlist.

# What the shared cases of lifecycle.bash need to know of it.
PROG=kmcard-revoke
FROM=active
TO=revoked
PARTICIPLE=revoked
REASON=fraud
ROPT=(-r "$REASON")
HOT=1
OTHER=revoked
USAGE="usage: kmcard-revoke [-jkt] [-c config] [-n note] -r reason [card ...]"
ROLES="clerk or admin"

@test "kmcard-revoke: an active card becomes revoked (human output)" { moves_human; }
@test "kmcard-revoke: -t prints number, state, reason, hotlisted" { moves_tsv; }
@test "kmcard-revoke: -j prints one JSON object a card" { moves_json; }
@test "kmcard-revoke: -n note is recorded in the card's history" { note_recorded; }
@test "kmcard-revoke: several cards as operands" { several_operands; }
@test "kmcard-revoke: several cards on stdin, blank lines and comments ignored" { several_on_stdin; }
@test "kmcard-revoke: -h prints usage on stdout" { prints_usage; }
@test "kmcard-revoke: -V prints the version" { prints_version; }
@test "kmcard-revoke: unknown option is a usage error" { unknown_option; }
@test "kmcard-revoke: one refused card in a list changes nothing" { one_refused_in_list; }
@test "kmcard-revoke: -k keeps the good cards of a list" { keeps_good_cards; }
@test "kmcard-revoke: the same card twice in a list changes nothing" { same_card_twice; }
@test "kmcard-revoke: a bad card number on stdin names its line" { bad_luhn_on_stdin; }
@test "kmcard-revoke: a card number that is not 16 digits is bad data" { not_16_digits 9001-0010-0000-0016; }
@test "kmcard-revoke: an unknown card is not found (exit 1)" { unknown_card; }
@test "kmcard-revoke: an unknown card on stdin names its line" { unknown_on_stdin; }
@test "kmcard-revoke: bad data outranks not found in the exit status" { bad_outranks_unknown; }
@test "kmcard-revoke: a clerk may run it" { role_may clerk; }
@test "kmcard-revoke: a user without a role for it is refused" { role_refused helpdesk auditor cron device; }
@test "kmcard-revoke: a store locked by another writer is temporary (exit 4)" { store_busy; }
@test "kmcard-revoke: a missing store is a config error (exit 3)" { store_missing; }
@test "kmcard-revoke: a failing read of stdin is a system error (exit 5)" { stdin_fails; }
@test "kmcard-revoke: a failing write to stdout is a system error (exit 5)" { stdout_fails; }

# The transition table: revoke leads from every state but the final ones.
@test "kmcard-revoke: allowed from ordered" { allowed_from ordered; }
@test "kmcard-revoke: allowed from personalised" { allowed_from personalised; }
@test "kmcard-revoke: allowed from active" { allowed_from active; }
@test "kmcard-revoke: allowed from suspended" { allowed_from suspended; }
@test "kmcard-revoke: allowed from blocked" { allowed_from blocked; }
@test "kmcard-revoke: refused from replaced" { refused_from replaced; }
@test "kmcard-revoke: refused from expired" { refused_from expired; }
@test "kmcard-revoke: refused from revoked" { refused_from revoked; }

@test "kmcard-revoke: -r is required" {
	n=$(in_state active)
	before=$(dump)
	run -2 --separate-stderr kmcard-revoke "$n"
	[ -z "$output" ]
	[ "$stderr" = "usage: kmcard-revoke [-jkt] [-c config] [-n note] -r reason [card ...]" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-revoke: an empty reason is refused" {
	n=$(in_state active)
	before=$(dump)
	run -3 --separate-stderr kmcard-revoke -r "" "$n"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-revoke: argument 1: revoking card '$n' needs a reason
kmcard-revoke: 1 of 1 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-revoke: a reason longer than 64 bytes is refused" {
	n=$(in_state active)
	before=$(dump)
	run -3 --separate-stderr kmcard-revoke -r "$(printf 'x%.0s' {1..65})" "$n"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-revoke: argument 1: reason: longer than 64 bytes
kmcard-revoke: 1 of 1 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-revoke: any non-empty reason is accepted" {
	n=$(in_state active)
	run -0 --separate-stderr kmcard-revoke -t -r "holder deceased" "$n"
	[ "$output" = "$(printf '%s\trevoked\tholder deceased\t1' "$n")" ]
	[ -z "$stderr" ]
}

@test "kmcard-revoke: the revoked card is put on the hotlist" {
	n=$(in_state active "$(p 1)")
	m=$(in_state active "$(p 2)")
	run -0 --separate-stderr kmcard-revoke -r fraud "$n"
	[ "$output" = "$(rec "$n" revoked fraud yes)" ]
	[ -z "$stderr" ]
	listed_alone "$n" revoke fraud
}

@test "kmcard-revoke: a blocked card revoked stays listed" {
	n=$(in_state blocked)
	[ "$(hotlist)" = "$(printf '%s\tblock\tlost' "$n")" ]
	run -0 --separate-stderr kmcard-revoke -t -r fraud "$n"
	[ "$output" = "$(printf '%s\trevoked\tfraud\t1' "$n")" ]
	[ -z "$stderr" ]
	[ "$(hotlist)" = "$(printf '%s\trevoke\tfraud' "$n")" ]
}

@test "kmcard-revoke: helpdesk may not revoke" { role_refused helpdesk; }
