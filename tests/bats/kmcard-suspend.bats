load helper
load lifecycle
setup() { km_setup; }
teardown() { if [ -e locked ]; then unlock_store; fi; }

# kmcard-suspend: an active card is suspended and put on the hotlist.

# What the shared cases of lifecycle.bash need to know of it.
PROG=kmcard-suspend
FROM=active
TO=suspended
PARTICIPLE=suspended
REASON=
ROPT=()
HOT=1
OTHER=ordered
USAGE="usage: kmcard-suspend [-jkt] [-c config] [-n note] [-r reason] [card ...]"
ROLES="clerk or helpdesk or admin"

@test "kmcard-suspend: an active card becomes suspended (human output)" { moves_human; }
@test "kmcard-suspend: -t prints number, state, reason, hotlisted" { moves_tsv; }
@test "kmcard-suspend: -j prints one JSON object a card" { moves_json; }
@test "kmcard-suspend: -n note is recorded in the card's history" { note_recorded; }
@test "kmcard-suspend: several cards as operands" { several_operands; }
@test "kmcard-suspend: several cards on stdin, blank lines and comments ignored" { several_on_stdin; }
@test "kmcard-suspend: -h prints usage on stdout" { prints_usage; }
@test "kmcard-suspend: -V prints the version" { prints_version; }
@test "kmcard-suspend: unknown option is a usage error" { unknown_option; }
@test "kmcard-suspend: one refused card in a list changes nothing" { one_refused_in_list; }
@test "kmcard-suspend: -k keeps the good cards of a list" { keeps_good_cards; }
@test "kmcard-suspend: the same card twice in a list changes nothing" { same_card_twice; }
@test "kmcard-suspend: a bad card number on stdin names its line" { bad_luhn_on_stdin; }
@test "kmcard-suspend: a card number that is not 16 digits is bad data" { not_16_digits 9001-0010-0000-0016; }
@test "kmcard-suspend: an unknown card is not found (exit 1)" { unknown_card; }
@test "kmcard-suspend: an unknown card on stdin names its line" { unknown_on_stdin; }
@test "kmcard-suspend: bad data outranks not found in the exit status" { bad_outranks_unknown; }
@test "kmcard-suspend: a clerk may run it" { role_may clerk; }
@test "kmcard-suspend: a user without a role for it is refused" { role_refused auditor cron device; }
@test "kmcard-suspend: a store locked by another writer is temporary (exit 4)" { store_busy; }
@test "kmcard-suspend: a missing store is a config error (exit 3)" { store_missing; }
@test "kmcard-suspend: a failing read of stdin is a system error (exit 5)" { stdin_fails; }
@test "kmcard-suspend: a failing write to stdout is a system error (exit 5)" { stdout_fails; }

# The transition table: suspend leads from active only.
@test "kmcard-suspend: allowed from active" { allowed_from active; }
@test "kmcard-suspend: refused from ordered" { refused_from ordered; }
@test "kmcard-suspend: refused from personalised" { refused_from personalised; }
@test "kmcard-suspend: refused from suspended" { refused_from suspended; }
@test "kmcard-suspend: refused from blocked" { refused_from blocked; }
@test "kmcard-suspend: refused from replaced" { refused_from replaced; }
@test "kmcard-suspend: refused from expired" { refused_from expired; }
@test "kmcard-suspend: refused from revoked" { refused_from revoked; }

@test "kmcard-suspend: -r gives the reason, shown in all formats" {
	a=$(in_state active "$(p 1)")
	b=$(in_state active "$(p 2)")
	c=$(in_state active "$(p 3)")
	run -0 --separate-stderr kmcard-suspend -r "holder abroad" "$a"
	[ "$output" = "$(rec "$a" suspended "holder abroad" yes)" ]
	[ -z "$stderr" ]
	run -0 --separate-stderr kmcard-suspend -t -r "holder abroad" "$b"
	[ "$output" = "$(printf '%s\tsuspended\tholder abroad\t1' "$b")" ]
	[ -z "$stderr" ]
	run -0 --separate-stderr kmcard-suspend -j -r "holder abroad" "$c"
	[ "$output" = "{\"number\":\"$c\",\"state\":\"suspended\",\"reason\":\"holder abroad\",\"hotlisted\":true}" ]
	[ -z "$stderr" ]
	all_json
}

@test "kmcard-suspend: the suspended card is put on the hotlist" {
	n=$(in_state active "$(p 1)")
	m=$(in_state active "$(p 2)")
	[ -z "$(hotlist)" ]
	run -0 --separate-stderr kmcard-suspend -t -r "on holiday" "$n"
	[ "$output" = "$(printf '%s\tsuspended\ton holiday\t1' "$n")" ]
	[ -z "$stderr" ]
	listed_alone "$n" suspend "on holiday"
	[ "$(state_of "$m")" = active ]
}

@test "kmcard-suspend: helpdesk may suspend" { helpdesk_may; }

@test "kmcard-suspend: a reason longer than 64 bytes is refused" {
	n=$(in_state active)
	before=$(dump)
	run -3 --separate-stderr kmcard-suspend -r "$(printf 'x%.0s' {1..65})" "$n"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-suspend: argument 1: reason: longer than 64 bytes
kmcard-suspend: 1 of 1 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-suspend: a note longer than 128 bytes is refused" {
	n=$(in_state active)
	before=$(dump)
	run -3 --separate-stderr kmcard-suspend -n "$(printf 'x%.0s' {1..129})" "$n"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-suspend: argument 1: note: longer than 128 bytes
kmcard-suspend: 1 of 1 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-suspend: stdin lines may end in CRLF" {
	a=$(in_state active "$(p 1)")
	b=$(in_state active "$(p 2)")
	printf '%s\r\n# x\r\n\r\n%s\r\n' "$a" "$b" > list
	run -0 --separate-stderr kmcard-suspend -t < list
	[ "$output" = "$(printf '%s\tsuspended\t\t1\n%s\tsuspended\t\t1' "$a" "$b")" ]
	[ -z "$stderr" ]
}
