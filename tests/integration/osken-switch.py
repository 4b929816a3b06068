# SPDX-License-Identifier: Apache-2.0
"""An os-ken (Ryu) OpenFlow 1.3 learning switch for the integration tests:
a table-miss rule sends packets to the controller; each packet-in teaches
where its source lives; a known destination gets a flow (cookie 0x5151)
and the packet goes out with a packet-out, an unknown one is flooded.
Every event is appended to the file named by $OSKEN_LOG, one line each,
so that the test can check what the controller saw and did."""
import os

from os_ken.base import app_manager
from os_ken.controller import ofp_event
from os_ken.controller.handler import CONFIG_DISPATCHER, MAIN_DISPATCHER
from os_ken.controller.handler import set_ev_cls
from os_ken.lib.packet import ethernet, packet
from os_ken.ofproto import ofproto_v1_3

LOG = os.environ.get("OSKEN_LOG", "/dev/null")


def note(line):
    with open(LOG, "a") as f:
        f.write(line + "\n")


class LearningSwitch(app_manager.OSKenApp):
    OFP_VERSIONS = [ofproto_v1_3.OFP_VERSION]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.macs = {}

    @set_ev_cls(ofp_event.EventOFPSwitchFeatures, CONFIG_DISPATCHER)
    def features(self, ev):
        dp = ev.msg.datapath
        ofp, parser = dp.ofproto, dp.ofproto_parser
        note("FEATURES dpid=%#x n_tables=%d" % (dp.id, ev.msg.n_tables))
        actions = [parser.OFPActionOutput(ofp.OFPP_CONTROLLER,
                                          ofp.OFPCML_NO_BUFFER)]
        self.add_flow(dp, 0, parser.OFPMatch(), actions, cookie=0)

    def add_flow(self, dp, priority, match, actions, cookie=0x5151):
        ofp, parser = dp.ofproto, dp.ofproto_parser
        inst = [parser.OFPInstructionActions(ofp.OFPIT_APPLY_ACTIONS,
                                             actions)]
        dp.send_msg(parser.OFPFlowMod(datapath=dp, priority=priority,
                                      match=match, instructions=inst,
                                      cookie=cookie))
        note("FLOW_MOD priority=%d %s" % (priority, match))

    @set_ev_cls(ofp_event.EventOFPPacketIn, MAIN_DISPATCHER)
    def packet_in(self, ev):
        msg = ev.msg
        dp = msg.datapath
        ofp, parser = dp.ofproto, dp.ofproto_parser
        in_port = msg.match["in_port"]
        eth = packet.Packet(msg.data).get_protocols(ethernet.ethernet)[0]
        note("PACKET_IN in_port=%d reason=%d table=%d src=%s dst=%s len=%d"
             % (in_port, msg.reason, msg.table_id, eth.src, eth.dst,
                len(msg.data)))
        self.macs[eth.src] = in_port
        out = self.macs.get(eth.dst, ofp.OFPP_FLOOD)
        actions = [parser.OFPActionOutput(out)]
        if out != ofp.OFPP_FLOOD:
            self.add_flow(dp, 10, parser.OFPMatch(in_port=in_port,
                                                  eth_dst=eth.dst,
                                                  eth_src=eth.src), actions)
        dp.send_msg(parser.OFPPacketOut(datapath=dp,
                                        buffer_id=ofp.OFP_NO_BUFFER,
                                        in_port=in_port, actions=actions,
                                        data=msg.data))
        note("PACKET_OUT out=%s" % ("FLOOD" if out == ofp.OFPP_FLOOD
                                    else out))

    @set_ev_cls(ofp_event.EventOFPErrorMsg, MAIN_DISPATCHER)
    def error(self, ev):
        note("ERROR type=%d code=%d" % (ev.msg.type, ev.msg.code))
