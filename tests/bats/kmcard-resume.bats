load helper
load lifecycle
setup() { km_setup; }
teardown() { if [ -e locked ]; then unlock_store; fi; }

# kmcard-resume: a suspended card is active again and off the hotlist.

# What the shared cases of lifecycle.bash need to know of it.
PROG=kmcard-resume
FROM=suspended
TO=active
PARTICIPLE=resumed
REASON=
ROPT=()
HOT=0
OTHER=active
USAGE="usage: kmcard-resume [-jkt] [-c config] [-n note] [-r reason] [card ...]"
ROLES="clerk or helpdesk or admin"

@test "kmcard-resume: a suspended card becomes active (human output)" { moves_human; }
@test "kmcard-resume: -t prints number, state, reason, hotlisted" { moves_tsv; }
@test "kmcard-resume: -j prints one JSON object a card" { moves_json; }
@test "kmcard-resume: -n note is recorded in the card's history" { note_recorded; }
@test "kmcard-resume: several cards as operands" { several_operands; }
@test "kmcard-resume: several cards on stdin, blank lines and comments ignored" { several_on_stdin; }
@test "kmcard-resume: -h prints usage on stdout" { prints_usage; }
@test "kmcard-resume: -V prints the version" { prints_version; }
@test "kmcard-resume: unknown option is a usage error" { unknown_option; }
@test "kmcard-resume: one refused card in a list changes nothing" { one_refused_in_list; }
@test "kmcard-resume: -k keeps the good cards of a list" { keeps_good_cards; }
@test "kmcard-resume: the same card twice in a list changes nothing" { same_card_twice; }
@test "kmcard-resume: a bad card number on stdin names its line" { bad_luhn_on_stdin; }
@test "kmcard-resume: a card number that is not 16 digits is bad data" { not_16_digits 9001-0010-0000-0016; }
@test "kmcard-resume: an unknown card is not found (exit 1)" { unknown_card; }
@test "kmcard-resume: an unknown card on stdin names its line" { unknown_on_stdin; }
@test "kmcard-resume: bad data outranks not found in the exit status" { bad_outranks_unknown; }
@test "kmcard-resume: a clerk may run it" { role_may clerk; }
@test "kmcard-resume: a user without a role for it is refused" { role_refused auditor cron device; }
@test "kmcard-resume: a store locked by another writer is temporary (exit 4)" { store_busy; }
@test "kmcard-resume: a missing store is a config error (exit 3)" { store_missing; }
@test "kmcard-resume: a failing read of stdin is a system error (exit 5)" { stdin_fails; }
@test "kmcard-resume: a failing write to stdout is a system error (exit 5)" { stdout_fails; }

# The transition table: resume leads from suspended only.
@test "kmcard-resume: allowed from suspended" { allowed_from suspended; }
@test "kmcard-resume: refused from ordered" { refused_from ordered; }
@test "kmcard-resume: refused from personalised" { refused_from personalised; }
@test "kmcard-resume: refused from active" { refused_from active; }
@test "kmcard-resume: refused from blocked" { refused_from blocked; }
@test "kmcard-resume: refused from replaced" { refused_from replaced; }
@test "kmcard-resume: refused from expired" { refused_from expired; }
@test "kmcard-resume: refused from revoked" { refused_from revoked; }

@test "kmcard-resume: -r gives the reason" {
	n=$(in_state suspended)
	run -0 --separate-stderr kmcard-resume -j -r "holder back" "$n"
	[ "$output" = "{\"number\":\"$n\",\"state\":\"active\",\"reason\":\"holder back\",\"hotlisted\":false}" ]
	[ -z "$stderr" ]
	all_json
}

@test "kmcard-resume: the resumed card is taken off the hotlist" {
	n=$(in_state suspended "$(p 1)")
	m=$(in_state suspended "$(p 2)")
	[ "$(hotlist)" = "$(printf '%s\tsuspend\t\n%s\tsuspend\t' "$n" "$m")" ]
	run -0 --separate-stderr kmcard-resume "$n"
	[ "$output" = "$(rec "$n" active "" no)" ]
	[ -z "$stderr" ]
	[ "$(hotlist)" = "$(printf '%s\tsuspend\t' "$m")" ]
}

@test "kmcard-resume: a card blocked while suspended is not resumed and stays listed" {
	n=$(in_state suspended)
	kmcard-block -r stolen "$n" >/dev/null
	[ "$(hotlist)" = "$(printf '%s\tblock\tstolen' "$n")" ]
	before=$(dump)
	run -3 --separate-stderr kmcard-resume "$n"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-resume: argument 1: card '$n' is blocked: it cannot be resumed
kmcard-resume: 1 of 1 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
	[ "$(hotlist)" = "$(printf '%s\tblock\tstolen' "$n")" ]
}

@test "kmcard-resume: helpdesk may resume" { helpdesk_may; }

@test "kmcard-resume: a card an admin listed before its suspension stays listed" {
	n=$(in_state active)
	kmblacklist -a -r "police report" "$n" >/dev/null
	kmcard-suspend "$n" >/dev/null
	[ "$(hotlist)" = "$(printf '%s\tsuspend\tpolice report' "$n")" ]
	run -0 --separate-stderr kmcard-resume -t "$n"
	[ "$output" = "$(printf '%s\tactive\t\t1' "$n")" ]
	[ -z "$stderr" ]
	[ "$(hotlist)" = "$(printf '%s\tadmin\tpolice report' "$n")" ]
}

@test "kmcard-resume: a card an admin listed while suspended stays listed" {
	n=$(in_state suspended)
	kmblacklist -a -r "inquiry 17/2026" "$n" >/dev/null
	run -0 --separate-stderr kmcard-resume -t "$n"
	[ "$output" = "$(printf '%s\tactive\t\t1' "$n")" ]
	[ -z "$stderr" ]
	[ "$(hotlist | cut -f1,2)" = "$(printf '%s\tadmin' "$n")" ]
}
