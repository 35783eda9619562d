load helper
load lifecycle
setup() { km_setup; }
teardown() { if [ -e locked ]; then unlock_store; fi; }

# kmcard-activate: a personalised card handed to its holder becomes active.

# What the shared cases of lifecycle.bash need to know of it.
PROG=kmcard-activate
FROM=personalised
TO=active
PARTICIPLE=activated
REASON=
ROPT=()
HOT=0
OTHER=ordered
USAGE="usage: kmcard-activate [-jkt] [-c config] [-n note] [card ...]"
ROLES="clerk or admin"

@test "kmcard-activate: a personalised card becomes active (human)" { moves_human; }
@test "kmcard-activate: -t prints number, state, reason, hotlisted" { moves_tsv; }
@test "kmcard-activate: -j prints one JSON object a card" { moves_json; }

@test "kmcard-activate: -n note is recorded in the card's history" {
	n=$(in_state personalised)
	run -0 --separate-stderr kmcard-activate -t -n "handed over at desk 3" "$n"
	[ "$output" = "$(printf '%s\tactive\t\t0' "$n")" ]
	[ -z "$stderr" ]
	run -0 --separate-stderr sqlite3 km.db "SELECT e.ev, e.note FROM card_event e JOIN card c ON c.id = e.card_id WHERE c.number = '$n' ORDER BY e.id DESC LIMIT 1"
	[ "$output" = "activate|handed over at desk 3" ]
}

@test "kmcard-activate: several cards as operands" { several_operands; }

@test "kmcard-activate: several cards on stdin, blank lines and comments ignored" {
	a=$(in_state personalised "$(p 1)")
	b=$(in_state personalised "$(p 2)")
	printf '# desk 3\n%s\n\n   \n  %s  \n# end\n' "$a" "$b" > list
	run -0 --separate-stderr kmcard-activate -j < list
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[0]}" = "{\"number\":\"$a\",\"state\":\"active\",\"reason\":null,\"hotlisted\":false}" ]
	[ "${lines[1]}" = "{\"number\":\"$b\",\"state\":\"active\",\"reason\":null,\"hotlisted\":false}" ]
	all_json
	[ -z "$stderr" ]
}

@test "kmcard-activate: no operands and empty stdin do nothing" {
	before=$(dump)
	run -0 --separate-stderr kmcard-activate < /dev/null
	[ -z "$output" ]
	[ -z "$stderr" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-activate: -h prints usage on stdout" { prints_usage; }
@test "kmcard-activate: -V prints the version" { prints_version; }

@test "kmcard-activate: unknown option is a usage error" {
	n=$(in_state personalised)
	before=$(dump)
	run -2 --separate-stderr kmcard-activate -x "$n"
	[ -z "$output" ]
	[ "${stderr_lines[0]}" = "kmcard-activate: invalid option -- 'x'" ]
	[ "${stderr_lines[1]}" = "usage: kmcard-activate [-jkt] [-c config] [-n note] [card ...]" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-activate: -r is not an option of activate" {
	n=$(in_state personalised)
	before=$(dump)
	run -2 --separate-stderr kmcard-activate -r lost "$n"
	[ -z "$output" ]
	[[ "${stderr_lines[1]}" == "usage: kmcard-activate "* ]]
	[ "$(dump)" = "$before" ]
}

# The transition table: activate leads from personalised only.
@test "kmcard-activate: refused from ordered" { refused_from ordered; }
@test "kmcard-activate: refused from active" { refused_from active; }
@test "kmcard-activate: refused from suspended" { refused_from suspended; }
@test "kmcard-activate: refused from blocked" { refused_from blocked; }
@test "kmcard-activate: refused from replaced" { refused_from replaced; }
@test "kmcard-activate: refused from expired" { refused_from expired; }
@test "kmcard-activate: refused from revoked" { refused_from revoked; }

@test "kmcard-activate: one refused card in a list changes nothing" { one_refused_in_list; }
@test "kmcard-activate: -k keeps the good cards of a list" { keeps_good_cards; }
@test "kmcard-activate: a bad card number on stdin names its line" { bad_luhn_on_stdin; }
@test "kmcard-activate: a card number of the wrong length is bad data" { not_16_digits 12345; }
@test "kmcard-activate: an unknown card is not found (exit 1)" { unknown_card; }
@test "kmcard-activate: bad data outranks not found in the exit status" { bad_outranks_unknown; }
@test "kmcard-activate: a clerk may activate" { role_may clerk; }
@test "kmcard-activate: helpdesk may not activate" { role_refused helpdesk auditor cron device; }
@test "kmcard-activate: a store locked by another writer is temporary (exit 4)" { store_busy; }
@test "kmcard-activate: a missing store is a config error (exit 3)" { store_missing; }

@test "kmcard-activate: a config that cannot be read is exit 3" {
	run -3 --separate-stderr kmcard-activate -c nosuch.yaml "$UNKNOWN"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-activate: cannot read config 'nosuch.yaml': No such file or directory" ]
}

@test "kmcard-activate: a failing read of stdin is a system error (exit 5)" { stdin_fails; }
@test "kmcard-activate: a failing write to stdout is a system error (exit 5)" { stdout_fails; }

@test "kmcard-activate: activating a replacement card expires and lists its temporary card" {
	old=$(in_state active)
	kmcard-replace -T "$old" >/dev/null
	new=$(sqlite3 km.db "SELECT number FROM card WHERE type = 1 AND state = 'ordered'")
	tmp=$(sqlite3 km.db "SELECT number FROM card WHERE type = 9")
	[ "$(state_of "$tmp")" = ordered ]
	kmcard-receive "$new" 04AABBCCDDEEFF >/dev/null
	run -0 --separate-stderr kmcard-activate -t "$new"
	[ "$output" = "$(printf '%s\tactive\t\t0' "$new")" ]
	[ -z "$stderr" ]
	[ "$(state_of "$tmp")" = expired ]
	# Its chip is still valid by date: the hotlist must stop it.
	[ "$(kmblacklist -l -t | cut -f1-3)" = "$(printf '%s\treplace\t\n%s\texpire\treplacement collected' "$old" "$tmp")" ]
}
