# SPDX-License-Identifier: Apache-2.0
# tools/service/: running xvs-switchd as a service: the systemd unit, the
# logrotate file, bash completion for xvs-ctl, and a first configuration
# (installed only if there is none).
systemdsystemunitdir = $(SYSTEMD_UNIT_DIR)
nodist_systemdsystemunit_DATA = tools/service/xvs-switchd.service
CLEANFILES += tools/service/xvs-switchd.service
tools/service/xvs-switchd.service: tools/service/xvs-switchd.service.in \
		Makefile
	@$(MKDIR_P) tools/service
	$(AM_V_GEN)sed -e 's|@sbindir[@]|$(sbindir)|g' \
	    -e 's|@bindir[@]|$(bindir)|g' \
	    -e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	    $(srcdir)/tools/service/xvs-switchd.service.in >$@.tmp && \
	    mv $@.tmp $@

bashcompletiondir = $(datadir)/bash-completion/completions
EXTRA_DIST += tools/service/xvs-switchd.service.in \
	tools/service/xvs.logrotate tools/service/xvs-ctl.bash-completion \
	tools/service/xvs.yaml.example

install-data-local: install-service-files
install-service-files:
	$(MKDIR_P) $(DESTDIR)$(sysconfdir)/logrotate.d \
	    $(DESTDIR)$(bashcompletiondir) $(DESTDIR)$(sysconfdir)/xvs
	$(INSTALL_DATA) $(srcdir)/tools/service/xvs.logrotate \
	    $(DESTDIR)$(sysconfdir)/logrotate.d/xvs
	$(INSTALL_DATA) $(srcdir)/tools/service/xvs-ctl.bash-completion \
	    $(DESTDIR)$(bashcompletiondir)/xvs-ctl
	@if [ -e $(DESTDIR)$(sysconfdir)/xvs/xvs.yaml ]; then \
	    echo "keeping $(DESTDIR)$(sysconfdir)/xvs/xvs.yaml"; \
	else \
	    echo "installing $(DESTDIR)$(sysconfdir)/xvs/xvs.yaml"; \
	    $(INSTALL) -m 0640 $(srcdir)/tools/service/xvs.yaml.example \
	        $(DESTDIR)$(sysconfdir)/xvs/xvs.yaml; \
	fi

uninstall-local: uninstall-service-files
uninstall-service-files:
	rm -f $(DESTDIR)$(sysconfdir)/logrotate.d/xvs \
	    $(DESTDIR)$(bashcompletiondir)/xvs-ctl
.PHONY: install-service-files uninstall-service-files
