#include <gtest/gtest.h>

#include "protocol/DaemonFixture.h"

namespace rtprelay::test {
namespace {

using namespace std::chrono_literals;
using control::bencode::Value;

class NgTcp : public DaemonFixture {};

TEST_F(NgTcp, PingOverTcp) {
    NgTcpClient client(tcpEndpoint());
    ASSERT_TRUE(client.connected());
    client.sendRaw("t1 d7:command4:pinge");
    auto reply = client.receiveMessage(5s);
    ASSERT_TRUE(reply);
    EXPECT_EQ(*reply, "t1 d6:result4:ponge");
}

TEST_F(NgTcp, SeveralMessagesInOneWriteAndOneMessageAcrossWrites) {
    NgTcpClient client(tcpEndpoint());
    client.sendRaw("a1 d7:command4:pingea2 d7:command4:pinge\na3 d7:command5:dancee");
    EXPECT_EQ(client.receiveMessage(5s).value_or(""), "a1 d6:result4:ponge");
    EXPECT_EQ(client.receiveMessage(5s).value_or(""), "a2 d6:result4:ponge");
    auto third = client.receiveMessage(5s);
    ASSERT_TRUE(third);
    auto body = decodeReplyBody(*third);
    ASSERT_TRUE(body);
    EXPECT_EQ(errorReasonOf(*body), "Unrecognized command");

    std::string message = "b1 d7:command4:pinge";
    for (char c : message) {
        client.sendRaw(std::string(1, c));
    }
    EXPECT_EQ(client.receiveMessage(5s).value_or(""), "b1 d6:result4:ponge");
}

TEST_F(NgTcp, RetransmissionOverTcpReplaysTheCachedReply) {
    NgTcpClient client(tcpEndpoint());
    std::string request = "same " + control::bencode::encode(command("statistics"));
    client.sendRaw(request);
    auto first = client.receiveMessage(5s);
    client.sendRaw("other d7:command4:pinge");
    ASSERT_TRUE(client.receiveMessage(5s));
    client.sendRaw(request);
    auto second = client.receiveMessage(5s);
    ASSERT_TRUE(first && second);
    EXPECT_EQ(*first, *second);
}

TEST_F(NgTcp, OversizedMessageGetsAnErrorAndTheConnectionCloses) {
    NgTcpClient client(tcpEndpoint());
    client.sendRaw("huge d7:command4:ping7:padding100000:");
    client.sendRaw(std::string(70000, 'x'));
    auto reply = client.receiveMessage(5s);
    ASSERT_TRUE(reply);
    auto body = decodeReplyBody(*reply);
    ASSERT_TRUE(body);
    EXPECT_EQ(errorReasonOf(*body), "Message too large");
    EXPECT_TRUE(client.closedByPeer(5s));

    NgTcpClient again(tcpEndpoint());
    again.sendRaw("ok d7:command4:pinge");
    EXPECT_EQ(again.receiveMessage(5s).value_or(""), "ok d6:result4:ponge");
}

TEST_F(NgTcp, UnframeableGarbageIsAnsweredThenTheConnectionCloses) {
    NgTcpClient client(tcpEndpoint());
    client.sendRaw("g1 xyz");
    auto reply = client.receiveMessage(5s);
    ASSERT_TRUE(reply);
    EXPECT_EQ(errorReasonOf(*decodeReplyBody(*reply)), "Invalid NG data format");
    EXPECT_TRUE(client.closedByPeer(5s));

    NgTcpClient noCookie(tcpEndpoint());
    noCookie.sendRaw(std::string(300, 'z'));
    EXPECT_TRUE(noCookie.closedByPeer(5s));

    NgTcpClient again(tcpEndpoint());
    again.sendRaw("ok d7:command4:pinge");
    EXPECT_EQ(again.receiveMessage(5s).value_or(""), "ok d6:result4:ponge");
}

TEST_F(NgTcp, ClientThatDisconnectsMidMessageDoesNotDisturbOthers) {
    {
        NgTcpClient partial(tcpEndpoint());
        partial.sendRaw("p1 d7:command4:pi");
    }
    NgTcpClient client(tcpEndpoint());
    client.sendRaw("p2 d7:command4:pinge");
    EXPECT_EQ(client.receiveMessage(5s).value_or(""), "p2 d6:result4:ponge");
}

}  // namespace
}  // namespace rtprelay::test
