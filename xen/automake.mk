# SPDX-License-Identifier: Apache-2.0
# xen/: Xen integration: the vif hotplug script and an example domain.
xenscriptsdir = $(XEN_SCRIPT_DIR)
dist_xenscripts_SCRIPTS = xen/vif-xvs
EXTRA_DIST += xen/xl-example.cfg \
	tests/integration/fake-xen/xenstore-read \
	tests/integration/fake-xen/xenstore-write \
	tests/integration/fake-xen/xenstore-exists \
	tests/integration/fake-xen/xenstore-rm
