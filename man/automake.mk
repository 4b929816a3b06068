# SPDX-License-Identifier: Apache-2.0
# man/: manual pages.
man_MANS += man/xvs-switchd.8 man/xvs-ctl.8 man/xvs.yaml.5 man/vif-xvs.8
EXTRA_DIST += man/xvs-switchd.8 man/xvs-ctl.8 man/xvs.yaml.5 man/vif-xvs.8
