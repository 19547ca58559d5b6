# SPDX-License-Identifier: MIT
# Guest job for tests/install-test.sh: the module as a system installs it.
# The busybox guest runs no udevd, so the job applies the installed rule's
# GROUP and MODE itself, the way udev would when the node appears.
t() { if "$@" >/tmp/out 2>&1; then echo "ok install.$name"; else echo "not ok install.$name"; sed 's/^/#   /' /tmp/out; status=1; fi; }
status=0
name=modprobe_loads_the_installed_module t modprobe "$(cat /etc/atomic_counter.conf | grep -v '^#')"
name=mode_comes_from_the_modprobe_options t sh -c 'stat -c %a /dev/atomic_counter | grep -qx 660'
rule=/etc/udev/60-atomic_counter.rules
group=$(sed -n 's/.*GROUP="\([^"]*\)".*/\1/p' $rule)
mode=$(sed -n 's/.*MODE="\([^"]*\)".*/\1/p' $rule)
chgrp "$group" /dev/atomic_counter && chmod "$mode" /dev/atomic_counter
name=udev_rule_gives_group_and_mode t sh -c "stat -c '%G %a' /dev/atomic_counter | grep -qx 'atomic_counter 660'"
name=group_member_can_use_the_device t su -s /bin/sh member -c 'atomic-counter inc 3'
name=other_user_cannot_open_it t sh -c "su -s /bin/sh outsider -c 'atomic-counter get 3' 2>&1 | grep -q 'permission denied: join the device' && ! su -s /bin/sh outsider -c 'atomic-counter get 3' 2>/dev/null"
name=rmmod_after_use t rmmod atomic_counter
exit $status
