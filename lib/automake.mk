# SPDX-License-Identifier: Apache-2.0
# lib/: code shared by the programs (YAML configuration, command table).
noinst_LTLIBRARIES += lib/libxvs.la
lib_libxvs_la_SOURCES = lib/xvs-config.c lib/xvs-config.h \
	lib/xvs-commands.c lib/xvs-commands.h \
	lib/xvs-guest.c lib/xvs-guest.h \
	lib/xvs-control.h
lib_libxvs_la_CFLAGS = $(AM_CFLAGS) $(YAML_CFLAGS)
lib_libxvs_la_LIBADD = $(YAML_LIBS)
