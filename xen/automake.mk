# xen/: Xen integration (the vif hotplug script comes with the Xen issue).
