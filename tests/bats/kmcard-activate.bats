load helper
setup() { km_setup; }
teardown() { if [ -e locked ]; then unlock_store; fi; }

# kmcard-activate: a personalised card handed to its holder becomes active.

UNKNOWN=9001001000009991	# valid Luhn, never issued
BADLUHN=9001001000009992	# wrong check digit

refused_from() {
	local st=$1 n before
	n=$(in_state "$st")
	before=$(dump)
	run -3 --separate-stderr kmcard-activate "$n"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-activate: argument 1: card '$n' is $st: it cannot be activated
kmcard-activate: 1 of 1 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
	[ "$(state_of "$n")" = "$st" ]
}

@test "kmcard-activate: a personalised card becomes active (human)" {
	n=$(in_state personalised)
	run -0 --separate-stderr kmcard-activate "$n"
	[ "$output" = "$(rec "$n" active "" no)" ]
	[ -z "$stderr" ]
	[ "$(state_of "$n")" = active ]
}

@test "kmcard-activate: -t prints number, state, reason, hotlisted" {
	n=$(in_state personalised)
	run -0 --separate-stderr kmcard-activate -t "$n"
	[ "$output" = "$(printf '%s\tactive\t\t0' "$n")" ]
	[ -z "$stderr" ]
}

@test "kmcard-activate: -j prints one JSON object a card" {
	n=$(in_state personalised)
	run -0 --separate-stderr kmcard-activate -j "$n"
	[ "$output" = "{\"number\":\"$n\",\"state\":\"active\",\"reason\":null,\"hotlisted\":false}" ]
	[ -z "$stderr" ]
	all_json
}

@test "kmcard-activate: -n note is recorded in the card's history" {
	n=$(in_state personalised)
	run -0 --separate-stderr kmcard-activate -t -n "handed over at desk 3" "$n"
	[ "$output" = "$(printf '%s\tactive\t\t0' "$n")" ]
	[ -z "$stderr" ]
	run -0 --separate-stderr sqlite3 km.db "SELECT e.ev, e.note FROM card_event e JOIN card c ON c.id = e.card_id WHERE c.number = '$n' ORDER BY e.id DESC LIMIT 1"
	[ "$output" = "activate|handed over at desk 3" ]
}

@test "kmcard-activate: several cards as operands" {
	a=$(in_state personalised "$(p 1)")
	b=$(in_state personalised "$(p 2)")
	c=$(in_state personalised "$(p 3)")
	run -0 --separate-stderr kmcard-activate "$a" "$b" "$c"
	[ "$output" = "$(rec "$a" active "" no; echo; rec "$b" active "" no; echo; rec "$c" active "" no)" ]
	[ -z "$stderr" ]
	[ "$(state_of "$a")$(state_of "$b")$(state_of "$c")" = activeactiveactive ]
}

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

@test "kmcard-activate: -h prints usage on stdout" {
	run -0 --separate-stderr kmcard-activate -h
	[ "$output" = "usage: kmcard-activate [-jkt] [-c config] [-n note] [card ...]" ]
	[ -z "$stderr" ]
}

@test "kmcard-activate: -V prints the version" {
	run -0 --separate-stderr kmcard-activate -V
	[ "$output" = "kmcard-activate (km) 0.1.0" ]
	[ -z "$stderr" ]
}

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

@test "kmcard-activate: one refused card in a list changes nothing" {
	a=$(in_state personalised "$(p 1)")
	b=$(in_state ordered "$(p 2)")
	c=$(in_state personalised "$(p 3)")
	before=$(dump)
	run -3 --separate-stderr kmcard-activate "$a" "$b" "$c"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-activate: argument 2: card '$b' is ordered: it cannot be activated
kmcard-activate: 1 of 3 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-activate: -k keeps the good cards of a list" {
	a=$(in_state personalised "$(p 1)")
	b=$(in_state ordered "$(p 2)")
	c=$(in_state personalised "$(p 3)")
	run -3 --separate-stderr kmcard-activate -k -t "$a" "$b" "$c"
	[ "$output" = "$(printf '%s\tactive\t\t0\n%s\tactive\t\t0' "$a" "$c")" ]
	[ "$stderr" = "kmcard-activate: argument 2: card '$b' is ordered: it cannot be activated
kmcard-activate: 1 of 3 cards refused, 2 changed" ]
	[ "$(state_of "$a")/$(state_of "$b")/$(state_of "$c")" = active/ordered/active ]
}

@test "kmcard-activate: a bad card number on stdin names its line" {
	a=$(in_state personalised "$(p 1)")
	printf '%s\n# next\n\n%s\n' "$a" "$BADLUHN" > list
	before=$(dump)
	run -3 --separate-stderr kmcard-activate < list
	[ -z "$output" ]
	[ "$stderr" = "kmcard-activate: <stdin>:4: card number '$BADLUHN': bad check digit
kmcard-activate: 1 of 2 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-activate: a card number of the wrong length is bad data" {
	a=$(in_state personalised "$(p 1)")
	before=$(dump)
	run -3 --separate-stderr kmcard-activate "$a" 12345
	[ -z "$output" ]
	[ "$stderr" = "kmcard-activate: argument 2: card number '12345': not 16 digits
kmcard-activate: 1 of 2 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-activate: an unknown card is not found (exit 1)" {
	a=$(in_state personalised "$(p 1)")
	before=$(dump)
	run -1 --separate-stderr kmcard-activate "$a" "$UNKNOWN"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-activate: argument 2: no card '$UNKNOWN'
kmcard-activate: 1 of 2 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-activate: bad data outranks not found in the exit status" {
	before=$(dump)
	run -3 --separate-stderr kmcard-activate "$UNKNOWN" "$BADLUHN"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-activate: argument 1: no card '$UNKNOWN'
kmcard-activate: argument 2: card number '$BADLUHN': bad check digit
kmcard-activate: 2 of 2 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-activate: a clerk may activate" {
	n=$(in_state personalised)
	km_config clerk
	run -0 --separate-stderr kmcard-activate -t "$n"
	[ "$output" = "$(printf '%s\tactive\t\t0' "$n")" ]
	[ -z "$stderr" ]
}

@test "kmcard-activate: helpdesk may not activate" {
	n=$(in_state personalised)
	km_config helpdesk auditor cron device
	before=$(dump)
	run -3 --separate-stderr kmcard-activate "$n"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-activate: permission denied for user '$(id -un)': needs the role clerk or admin (roles in km.yaml(5))" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-activate: a store locked by another writer is temporary (exit 4)" {
	n=$(in_state personalised)
	before=$(dump)
	lock_store
	run -4 --separate-stderr kmcard-activate "$n"
	unlock_store
	[ -z "$output" ]
	[ "$stderr" = "kmcard-activate: store '$PWD/km.db' is busy: another program is writing to it" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-activate: a missing store is a config error (exit 3)" {
	rm km.db
	run -3 --separate-stderr kmcard-activate "$UNKNOWN"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-activate: cannot open store '$PWD/km.db': No such file or directory (create it with kmdb-init)" ]
	[ ! -e km.db ]
}

@test "kmcard-activate: a config that cannot be read is exit 3" {
	run -3 --separate-stderr kmcard-activate -c nosuch.yaml "$UNKNOWN"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-activate: cannot read config 'nosuch.yaml': No such file or directory" ]
}

@test "kmcard-activate: a failing read of stdin is a system error (exit 5)" {
	before=$(dump)
	run -5 --separate-stderr kmcard-activate < .
	[ -z "$output" ]
	[ "$stderr" = "kmcard-activate: read from stdin failed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-activate: a failing write to stdout is a system error (exit 5)" {
	n=$(in_state personalised)
	run -5 --separate-stderr sh -c 'kmcard-activate "$1" >/dev/full' sh "$n"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-activate: write to stdout: No space left on device" ]
}

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
