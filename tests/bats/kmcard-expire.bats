load helper
setup() { km_setup; }
teardown() { if [ -e locked ]; then unlock_store; fi; }

# kmcard-expire: the cron job that expires the cards whose validity has
# ended (by now, or by the start of the Warsaw business day -d names; a
# day in the future only with -f).

SYN='[-fjt] [-c config] [-d date]'

expiry_of() { sqlite3 km.db "SELECT expires_at FROM card WHERE number = '$1'"; }

# in_state STATE [pesel]: a Resident Card taken to STATE by the km
# programs (not expired: that is what is tested here); prints its number.
in_state() {
	local st=$1 n uid
	n=$(resident "${2:-44051401359}") || return 1
	uid=$(printf '04%012X' "$((10#${n:6:9}))")
	case $st in
	ordered) ;;
	personalised) kmcard-receive "$n" "$uid" ;;
	active) kmcard-receive "$n" "$uid" && kmcard-activate "$n" ;;
	suspended) kmcard-receive "$n" "$uid" && kmcard-activate "$n" &&
	    kmcard-suspend "$n" ;;
	blocked) kmcard-receive "$n" "$uid" && kmcard-activate "$n" &&
	    kmcard-block -r lost "$n" ;;
	revoked) kmcard-revoke -r fraud "$n" ;;
	*) return 1 ;;
	esac >/dev/null 2>&1 || return 1
	[ "$(state_of "$n")" = "$st" ] || return 1
	echo "$n"
}

# Warsaw local time of an ISO UTC time, as people see it.
local_time() { TZ=Europe/Warsaw date -d "$1" '+%Y-%m-%d %H:%M'; }
# The Warsaw date of an ISO UTC time.
warsaw_date() { TZ=Europe/Warsaw date -d "$1" '+%Y-%m-%d'; }

@test "kmcard-expire: -d 2040-01-01 expires a card (human output)" {
	n=$(in_state active)
	run -0 --separate-stderr kmcard-expire -f -d 2040-01-01
	[ "$output" = "$(printf 'number      %s\nstate       expired\nexpires     %s' "$n" "$(local_time "$(expiry_of "$n")")")" ]
	[ "$stderr" = "kmcard-expire: 1 card expired" ]
	[ "$(state_of "$n")" = expired ]
}

@test "kmcard-expire: -t prints number, state, expiry" {
	n=$(in_state active)
	run -0 --separate-stderr kmcard-expire -t -f -d 2040-01-01
	[ "$output" = "$(printf '%s\texpired\t%s' "$n" "$(expiry_of "$n")")" ]
	[ "$stderr" = "kmcard-expire: 1 card expired" ]
}

@test "kmcard-expire: -j prints one JSON object a card" {
	a=$(in_state active "$(p 1)")
	b=$(in_state ordered "$(p 2)")
	run -0 --separate-stderr kmcard-expire -j -f -d 2040-01-01
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[0]}" = "{\"number\":\"$a\",\"state\":\"expired\",\"expires\":\"$(expiry_of "$a")\"}" ]
	[ "${lines[1]}" = "{\"number\":\"$b\",\"state\":\"expired\",\"expires\":\"$(expiry_of "$b")\"}" ]
	all_json
	[ "$stderr" = "kmcard-expire: 2 cards expired" ]
}

@test "kmcard-expire: -d 2040-01-01 expires every card still in use, and only those" {
	o=$(in_state ordered "$(p 1)")
	pe=$(in_state personalised "$(p 2)")
	a=$(in_state active "$(p 3)")
	s=$(in_state suspended "$(p 4)")
	b=$(in_state blocked "$(p 5)")
	r=$(in_state revoked "$(p 6)")
	x=$(in_state active "$(p 7)")
	kmcard-replace "$x" >/dev/null
	y=$(sqlite3 km.db "SELECT n.number FROM card n JOIN card o ON o.id = n.replaces WHERE o.number = '$x'")
	run -0 --separate-stderr kmcard-expire -t -f -d 2040-01-01
	[ "$output" = "$(for c in "$o" "$pe" "$a" "$s" "$y"; do printf '%s\texpired\t%s\n' "$c" "$(expiry_of "$c")"; done)" ]
	[ "$stderr" = "kmcard-expire: 5 cards expired" ]
	[ "$(state_of "$o")/$(state_of "$pe")/$(state_of "$a")/$(state_of "$s")/$(state_of "$y")" = expired/expired/expired/expired/expired ]
	[ "$(state_of "$b")/$(state_of "$r")/$(state_of "$x")" = blocked/revoked/replaced ]
}

@test "kmcard-expire: blocked cards are not expired" {
	b=$(in_state blocked)
	before=$(dump)
	run -0 --separate-stderr kmcard-expire -f -d 2040-01-01
	[ -z "$output" ]
	[ "$stderr" = "kmcard-expire: 0 cards expired" ]
	[ "$(state_of "$b")" = blocked ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-expire: an expiry is recorded as an event with its reason" {
	n=$(in_state active)
	kmcard-expire -f -d 2040-01-01 >/dev/null 2>&1
	run -0 --separate-stderr sqlite3 km.db "SELECT e.ev, e.from_state, e.to_state, e.reason FROM card_event e JOIN card c ON c.id = e.card_id WHERE c.number = '$n' ORDER BY e.id DESC LIMIT 1"
	[ "$output" = "expire|active|expired|validity ended" ]
	[ -z "$stderr" ]
}

@test "kmcard-expire: a second run finds nothing more to expire" {
	n=$(in_state active)
	kmcard-expire -f -d 2040-01-01 >/dev/null 2>&1
	before=$(dump)
	run -0 --separate-stderr kmcard-expire -f -d 2040-01-01
	[ -z "$output" ]
	[ "$stderr" = "kmcard-expire: 0 cards expired" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-expire: without -d it expires nothing for fresh cards" {
	a=$(in_state ordered "$(p 1)")
	b=$(in_state active "$(p 2)")
	c=$(in_state active "$(p 3)")
	kmcard-replace -T "$c" >/dev/null
	before=$(dump)
	run -0 --separate-stderr kmcard-expire
	[ -z "$output" ]
	[ "$stderr" = "kmcard-expire: 0 cards expired" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-expire: a temporary card expires at the end of its 30 days" {
	n=$(in_state active)
	kmcard-replace -T "$n" >/dev/null
	tmp=$(sqlite3 km.db "SELECT number FROM card WHERE type = 9")
	exp=$(expiry_of "$tmp")
	day=$(warsaw_date "$exp")
	next=$(date -d "$day + 1 day" +%F)
	before=$(dump)
	# On the Warsaw day it ends, the card is still valid ...
	run -0 --separate-stderr kmcard-expire -f -d "$day"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-expire: 0 cards expired" ]
	[ "$(dump)" = "$before" ]
	# ... from the next one it is not, and the new card still is.
	run -0 --separate-stderr kmcard-expire -f -t -d "$next"
	[ "$output" = "$(printf '%s\texpired\t%s' "$tmp" "$exp")" ]
	[ "$stderr" = "kmcard-expire: 1 card expired" ]
	[ "$(sqlite3 km.db "SELECT state FROM card WHERE type = 1 AND number <> '$n'")" = ordered ]
}

@test "kmcard-expire: a date in the future is refused without -f" {
	n=$(in_state active)
	before=$(dump)
	run -3 --separate-stderr kmcard-expire -d 2040-01-01
	[ -z "$output" ]
	[ "$stderr" = "kmcard-expire: -d '2040-01-01': in the future: cards would expire early (force with -f)" ]
	[ "$(dump)" = "$before" ]
	[ "$(state_of "$n")" = active ]
}

@test "kmcard-expire: tomorrow is in the future, today is not" {
	n=$(in_state active)
	today=$(TZ=Europe/Warsaw date +%F)
	tomorrow=$(TZ=Europe/Warsaw date -d "$today 12:00 + 1 day" +%F)
	before=$(dump)
	run -3 --separate-stderr kmcard-expire -d "$tomorrow"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-expire: -d '$tomorrow': in the future: cards would expire early (force with -f)" ]
	[ "$(dump)" = "$before" ]
	run -0 --separate-stderr kmcard-expire -d "$today"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-expire: 0 cards expired" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-expire: a date in the past needs no -f" {
	n=$(in_state active)
	run -0 --separate-stderr kmcard-expire -t -d 2020-01-01
	[ -z "$output" ]
	[ "$stderr" = "kmcard-expire: 0 cards expired" ]
	[ "$(state_of "$n")" = active ]
}

@test "kmcard-expire: a nonexistent date is a usage error" {
	n=$(in_state active)
	before=$(dump)
	run -2 --separate-stderr kmcard-expire -d 2023-02-29
	[ -z "$output" ]
	[ "$stderr" = "kmcard-expire: -d '2023-02-29': no such date" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-expire: a leap day is a date" {
	n=$(in_state active)
	run -0 --separate-stderr kmcard-expire -d 2024-02-29
	[ -z "$output" ]
	[ "$stderr" = "kmcard-expire: 0 cards expired" ]
}

@test "kmcard-expire: a date not written YYYY-MM-DD is a usage error" {
	n=$(in_state active)
	before=$(dump)
	run -2 --separate-stderr kmcard-expire -d tomorrow
	[ -z "$output" ]
	[ "$stderr" = "kmcard-expire: -d 'tomorrow': must be YYYY-MM-DD" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-expire: other malformed or impossible dates are usage errors" {
	n=$(in_state active)
	before=$(dump)
	for d in 2040-1-1 20400101 2040-01-01x " 2040-01-01" ""; do
		run -2 --separate-stderr kmcard-expire -d "$d"
		[ -z "$output" ]
		[ "$stderr" = "kmcard-expire: -d '$d': must be YYYY-MM-DD" ]
	done
	for d in 2100-02-29 2040-00-10 2040-04-31 2040-13-01; do
		run -2 --separate-stderr kmcard-expire -d "$d"
		[ -z "$output" ]
		[ "$stderr" = "kmcard-expire: -d '$d': no such date" ]
	done
	[ "$(dump)" = "$before" ]
}

@test "kmcard-expire: an operand is a usage error" {
	n=$(in_state active)
	before=$(dump)
	run -2 --separate-stderr kmcard-expire "$n"
	[ -z "$output" ]
	[ "$stderr" = "usage: kmcard-expire $SYN" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-expire: -h prints usage on stdout" {
	run -0 --separate-stderr kmcard-expire -h
	[ "$output" = "usage: kmcard-expire $SYN" ]
	[ -z "$stderr" ]
}

@test "kmcard-expire: -V prints the version" {
	run -0 --separate-stderr kmcard-expire -V
	[ "$output" = "kmcard-expire (km) 0.1.0" ]
	[ -z "$stderr" ]
}

@test "kmcard-expire: unknown option is a usage error" {
	n=$(in_state active)
	before=$(dump)
	run -2 --separate-stderr kmcard-expire -x -f -d 2040-01-01
	[ -z "$output" ]
	[ "${stderr_lines[0]}" = "kmcard-expire: invalid option -- 'x'" ]
	[ "${stderr_lines[1]}" = "usage: kmcard-expire $SYN" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-expire: the cron role may expire" {
	n=$(in_state active)
	km_config cron
	run -0 --separate-stderr kmcard-expire -t -f -d 2040-01-01
	[ "$output" = "$(printf '%s\texpired\t%s' "$n" "$(expiry_of "$n")")" ]
	[ "$stderr" = "kmcard-expire: 1 card expired" ]
}

@test "kmcard-expire: the admin role may expire" {
	n=$(in_state active)
	km_config admin
	run -0 --separate-stderr kmcard-expire -t -f -d 2040-01-01
	[ "$output" = "$(printf '%s\texpired\t%s' "$n" "$(expiry_of "$n")")" ]
	[ "$stderr" = "kmcard-expire: 1 card expired" ]
}

@test "kmcard-expire: clerk and helpdesk may not expire" {
	n=$(in_state active)
	km_config clerk helpdesk auditor device
	before=$(dump)
	run -3 --separate-stderr kmcard-expire -f -d 2040-01-01
	[ -z "$output" ]
	[ "$stderr" = "kmcard-expire: permission denied for user '$(id -un)': needs the role admin or cron (roles in km.yaml(5))" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-expire: a store locked by another writer is temporary (exit 4)" {
	n=$(in_state active)
	before=$(dump)
	lock_store
	run -4 --separate-stderr kmcard-expire -f -d 2040-01-01
	unlock_store
	[ -z "$output" ]
	[ "$stderr" = "kmcard-expire: store '$PWD/km.db' is busy: another program is writing to it" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-expire: a missing store is a config error (exit 3)" {
	rm km.db
	run -3 --separate-stderr kmcard-expire -f -d 2040-01-01
	[ -z "$output" ]
	[ "$stderr" = "kmcard-expire: cannot open store '$PWD/km.db': No such file or directory (create it with kmdb-init)" ]
	[ ! -e km.db ]
}

@test "kmcard-expire: a failing write to stdout is a system error (exit 5)" {
	n=$(in_state active)
	run -5 --separate-stderr sh -c 'kmcard-expire -f -d 2040-01-01 >/dev/full'
	[ -z "$output" ]
	[ "${stderr_lines[-1]}" = "kmcard-expire: write to stdout: No space left on device" ]
}

@test "kmcard-expire: a suspended card that expires leaves the hotlist" {
	n=$(in_state suspended "$(p 1)")
	b=$(in_state blocked "$(p 2)")
	[ "$(hotlist)" = "$(printf '%s\tsuspend\t\n%s\tblock\tlost' "$n" "$b")" ]
	run -0 --separate-stderr kmcard-expire -f -t -d 2040-01-01
	[ "$output" = "$(printf '%s\texpired\t%s' "$n" "$(expiry_of "$n")")" ]
	[ "$stderr" = "kmcard-expire: 1 card expired" ]
	[ "$(hotlist)" = "$(printf '%s\tblock\tlost' "$b")" ]
}

@test "kmcard-expire: an admin's listing stays after expiry" {
	a=$(in_state active "$(p 1)")
	s=$(in_state suspended "$(p 2)")
	kmblacklist -a -r "inquiry 17/2026" "$a" "$s" >/dev/null
	run -0 --separate-stderr kmcard-expire -f -t -d 2040-01-01
	[ "${#lines[@]}" -eq 2 ]
	[ "$stderr" = "kmcard-expire: 2 cards expired" ]
	[ "$(state_of "$a")/$(state_of "$s")" = expired/expired ]
	[ "$(hotlist)" = "$(printf '%s\tadmin\tinquiry 17/2026\n%s\tadmin\tinquiry 17/2026' "$a" "$s")" ]
}
