# The cron scripts: km-hotlist-publish and km-nightly.
load helper

setup() {
	km_setup
	PATH="$KM_ROOT/scripts:$PATH"
	mkdir hl
}

@test "km-hotlist-publish: the first run publishes a full version" {
	run -0 --separate-stderr km-hotlist-publish hl
	[ -z "$output" ]
	[ "$(readlink hl/full.txt)" = hotlist-1.txt ]
	[ ! -e hl/delta.txt ]
	run -0 --separate-stderr kmblacklist -t -v hl/full.txt
	[ "$(cut -f1,2 <<<"$output")" = "1	full" ]
}

@test "km-hotlist-publish: later runs publish deltas against the full version" {
	km-hotlist-publish hl 2>/dev/null
	n=$(active)
	kmcard-suspend "$n" >/dev/null
	run -0 --separate-stderr km-hotlist-publish hl
	[ "$(readlink hl/delta.txt)" = hotlist-2.txt ]
	grep -qx "type delta 1" hl/delta.txt
	grep -qx "$n +" hl/delta.txt
	kmcard-resume "$n" >/dev/null
	km-hotlist-publish hl 2>/dev/null
	[ "$(readlink hl/delta.txt)" = hotlist-3.txt ]
	grep -qx "type delta 1" hl/delta.txt
	grep -qx "count 0" hl/delta.txt
}

@test "km-hotlist-publish: -F publishes a full version and drops the delta" {
	km-hotlist-publish hl 2>/dev/null
	km-hotlist-publish hl 2>/dev/null
	[ -e hl/delta.txt ]
	run -0 --separate-stderr km-hotlist-publish -F hl
	[ "$(readlink hl/full.txt)" = hotlist-3.txt ]
	[ ! -e hl/delta.txt ]
}

@test "km-hotlist-publish: usage and a missing directory" {
	run -2 --separate-stderr km-hotlist-publish
	[[ "$stderr" == "usage: km-hotlist-publish "* ]]
	run -3 --separate-stderr km-hotlist-publish nosuchdir
	[ "$stderr" = "km-hotlist-publish: no directory 'nosuchdir'" ]
}

@test "km-hotlist-publish: a refused publish leaves the directory as it was" {
	km-hotlist-publish hl 2>/dev/null
	for p in 1 2 3 4 5 6; do active "$(pesel 700101 "000$p")" >/dev/null; done
	for n in $(kmcard-status -t -s active | cut -f1); do kmcard-suspend "$n" >/dev/null; done
	before=$(ls hl)
	run -3 --separate-stderr km-hotlist-publish hl
	[[ "$stderr" == *"more than blacklist.max_add"* ]]
	[ "$(ls hl)" = "$before" ]
}

@test "km-nightly: expires nothing new and publishes" {
	run -0 --separate-stderr km-nightly hl
	[ -z "$output" ]
	[ -e hl/full.txt ]
	[[ "$stderr" == *"kmcard-expire: 0 cards expired"* ]]
	run -2 --separate-stderr km-nightly
}
