"""gRPC tooling without proto files, against the real stsd with Debian's python3-grpcio: server reflection
(grpc.reflection.v1 and v1alpha) lists every service and hands out every file descriptor, from which a client that
has no proto of sts builds its message classes and calls IssueToken; unknown names get NOT_FOUND answers; hostile
streams (huge, malformed, endless, never read) are bounded. The reflection modules are generated at test time from
Debian's grpc-proto, never written into the repository."""
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

from stsd import GRPC_PROTO_DIR, PROTO_DIR, StsdTestCase

PYTHON = "/usr/bin/python3"
NOT_FOUND, INVALID_ARGUMENT = 5, 3
STS_PROTOS = ["sts/v1/access_tokens.proto", "sts/v1/foreign_methods.proto", "sts/v1/login.proto",
              "sts/v1/oauth.proto", "sts/v1/token.proto", "sts/v1/users.proto"]


def reflection_modules():
    """Generates both versions' modules from grpc-proto; each copy gets its own file name so the two register side by
    side in protobuf's default pool (both are "reflection.proto" upstream)."""
    out = tempfile.mkdtemp(prefix="sts-reflection-stubs-")
    for version in ("v1", "v1alpha"):
        shutil.copy(os.path.join(GRPC_PROTO_DIR, "grpc", "reflection", version, "reflection.proto"),
                    os.path.join(out, "reflection_%s.proto" % version))
        subprocess.run([PYTHON, "-m", "grpc_tools.protoc", "-I" + out, "--python_out=" + out,
                        "--grpc_python_out=" + out, "reflection_%s.proto" % version], check=True)
    sys.path.insert(0, out)
    import reflection_v1_pb2, reflection_v1_pb2_grpc, reflection_v1alpha_pb2, reflection_v1alpha_pb2_grpc
    return {"v1": (reflection_v1_pb2, reflection_v1_pb2_grpc),
            "v1alpha": (reflection_v1alpha_pb2, reflection_v1alpha_pb2_grpc)}


MODULES = reflection_modules()
v1_pb2, v1_grpc = MODULES["v1"]


def compiled_files():
    """What protoc itself makes of the served protos (an independent source): FileDescriptorProtos by name."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "set.pb")
        subprocess.run(["protoc", "-I" + PROTO_DIR, "-I/usr/include", "-I" + GRPC_PROTO_DIR, "--include_imports",
                        "--descriptor_set_out=" + out] + STS_PROTOS +
                       ["grpc/health/v1/health.proto", "grpc/reflection/v1/reflection.proto",
                        "grpc/reflection/v1alpha/reflection.proto"], check=True)
        files = descriptor_pb2.FileDescriptorSet()
        with open(out, "rb") as f:
            files.ParseFromString(f.read())
    return {file.name: file for file in files.file}


class Reflection:
    """One reflection stream, driven a request at a time (a queue feeds the request iterator)."""

    def __init__(self, channel, version="v1", timeout=20):
        pb2, pb2_grpc = MODULES[version]
        self.pb2 = pb2
        self.requests = []
        self.cond = threading.Condition()
        self.closed = False
        self.responses = pb2_grpc.ServerReflectionStub(channel).ServerReflectionInfo(self._iterate(), timeout=timeout)

    def _iterate(self):
        while True:
            with self.cond:
                self.cond.wait_for(lambda: self.requests or self.closed)
                if self.requests:
                    request = self.requests.pop(0)
                else:
                    return
            yield request

    def ask(self, **fields):
        with self.cond:
            self.requests.append(self.pb2.ServerReflectionRequest(**fields))
            self.cond.notify()
        return next(self.responses)

    def close(self):
        with self.cond:
            self.closed = True
            self.cond.notify()


def pool_from(files):
    """A descriptor pool of the serialized FileDescriptorProtos, each added after the files it imports."""
    parsed = {}
    for data in files:
        proto = descriptor_pb2.FileDescriptorProto()
        proto.ParseFromString(data)
        parsed[proto.name] = proto
    pool, added = descriptor_pool.DescriptorPool(), set()
    while len(added) < len(parsed):
        ready = [name for name, proto in parsed.items()
                 if name not in added and all(dependency in added for dependency in proto.dependency)]
        if not ready:
            raise AssertionError("imports missing from what reflection returned: %s" % sorted(
                {d for p in parsed.values() for d in p.dependency if d not in parsed}))
        for name in ready:
            pool.Add(parsed[name])
            added.add(name)
    return pool


class GrpcReflection(StsdTestCase):
    # Several queue threads, so a stream's events and other calls' run on different threads.
    stsd_args = ("--max-message-bytes", "65536", "--grpc-threads", "3")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.compiled = compiled_files()

    def setUp(self):
        self.channel = grpc.insecure_channel(self.stsd.grpc)

    def tearDown(self):
        self.channel.close()

    def fetch_everything(self, reflection):
        """Lists the services, then fetches the file of each and, transitively, every file those import."""
        listed = reflection.ask(list_services="")
        services = [service.name for service in listed.list_services_response.service]
        files, wanted = {}, []
        for service in services:
            answer = reflection.ask(file_containing_symbol=service)
            self.assertEqual(answer.WhichOneof("message_response"), "file_descriptor_response", service)
            wanted.extend(answer.file_descriptor_response.file_descriptor_proto)
            while wanted:
                data = wanted.pop()
                proto = descriptor_pb2.FileDescriptorProto()
                proto.ParseFromString(data)
                if proto.name in files:
                    continue
                files[proto.name] = data
                for dependency in proto.dependency:
                    if dependency not in files:
                        by_name = reflection.ask(file_by_filename=dependency)
                        self.assertEqual(by_name.WhichOneof("message_response"), "file_descriptor_response",
                                         dependency)
                        wanted.extend(by_name.file_descriptor_response.file_descriptor_proto)
        return services, files

    def test_lists_every_service_fetches_every_file_and_calls_issue_token_from_them_alone(self):
        reflection = Reflection(self.channel)
        services, files = self.fetch_everything(reflection)
        reflection.close()
        expected = sorted({"%s.%s" % (proto.package, service.name) for name, proto in self.compiled.items()
                           for service in proto.service
                           if name in STS_PROTOS or name.startswith("grpc/")})
        self.assertEqual(sorted(services), expected)
        self.assertIn("grpc.health.v1.Health", services)
        self.assertIn("grpc.reflection.v1alpha.ServerReflection", services)
        # Every file the services need, as protoc itself resolves the imports, and nothing else.
        needed, stack = set(), [name for name, proto in self.compiled.items() if proto.service]
        while stack:
            name = stack.pop()
            if name not in needed:
                needed.add(name)
                stack.extend(self.compiled[name].dependency)
        self.assertIn("google/protobuf/descriptor.proto", needed)
        self.assertEqual(sorted(files), sorted(needed))
        pool = pool_from(files.values())
        for name in needed:
            compiled, served = self.compiled[name], pool.FindFileByName(name)
            self.assertEqual(sorted(served.message_types_by_name), sorted(m.name for m in compiled.message_type), name)
            self.assertEqual(sorted(served.services_by_name), sorted(s.name for s in compiled.service), name)
            for service in compiled.service:
                self.assertEqual([m.name for m in served.services_by_name[service.name].methods],
                                 [m.name for m in service.method])
        # The call, with classes built only from what reflection returned.
        method = pool.FindServiceByName("sts.v1.TokenService").methods_by_name["IssueToken"]
        factory = message_factory.MessageFactory(pool)
        request_class = factory.GetPrototype(method.input_type)
        response_class = factory.GetPrototype(method.output_type)
        issue = self.channel.unary_unary("/sts.v1.TokenService/IssueToken",
                                         request_serializer=request_class.SerializeToString,
                                         response_deserializer=response_class.FromString)
        request = request_class()
        setattr(request, "duration_seconds", 900)
        reply = issue(request, timeout=10)
        self.assertRegex(reply.credentials.access_key_id, r"^ASIA[A-Z2-7]{16}$")
        self.assertEqual(len(reply.credentials.secret_access_key), 40)
        # The JSON names the REST surface uses travel too (protoc's json_name).
        credentials = method.output_type.fields_by_name["credentials"].message_type
        self.assertEqual(credentials.fields_by_name["access_key_id"].json_name, "AccessKeyId")

    def test_symbols_of_every_kind_and_not_found_answers(self):
        reflection = Reflection(self.channel)
        found = {
            "sts.v1.TokenService": "sts/v1/token.proto",
            "sts.v1.TokenService.IssueToken": "sts/v1/token.proto",
            "sts.v1.IssueTokenRequest": "sts/v1/token.proto",
            "sts.v1.IdentityDomain": "sts/v1/access_tokens.proto",
            "grpc.health.v1.HealthCheckResponse.ServingStatus": "grpc/health/v1/health.proto",
            "google.protobuf.DescriptorProto.ExtensionRange": "google/protobuf/descriptor.proto",
            "google.protobuf.FieldDescriptorProto.Type": "google/protobuf/descriptor.proto",
            "grpc.reflection.v1.ServerReflection.ServerReflectionInfo": "grpc/reflection/v1/reflection.proto",
            "sts.v1.policy": "sts/v1/options.proto",
        }
        for symbol, file in found.items():
            with self.subTest(symbol=symbol):
                answer = reflection.ask(file_containing_symbol=symbol)
                self.assertEqual(answer.WhichOneof("message_response"), "file_descriptor_response")
                first = descriptor_pb2.FileDescriptorProto()
                first.ParseFromString(answer.file_descriptor_response.file_descriptor_proto[0])
                self.assertEqual(first.name, file)
                self.assertEqual(answer.original_request.file_containing_symbol, symbol)
        # One answer holds the file and everything it imports, transitively: a pool builds from it alone.
        answer = reflection.ask(file_containing_symbol="sts.v1.TokenService.IssueToken")
        names = []
        for data in answer.file_descriptor_response.file_descriptor_proto:
            proto = descriptor_pb2.FileDescriptorProto()
            proto.ParseFromString(data)
            names.append(proto.name)
        self.assertEqual(names[0], "sts/v1/token.proto")
        self.assertEqual(sorted(names), sorted(set(names)))
        self.assertIn("google/protobuf/descriptor.proto", names)
        pool = pool_from(answer.file_descriptor_response.file_descriptor_proto)
        self.assertEqual(pool.FindMethodByName("sts.v1.TokenService.IssueToken").input_type.full_name,
                         "sts.v1.IssueTokenRequest")
        for field, value in (("file_containing_symbol", "sts.v1.NoSuchThing"),
                             ("file_containing_symbol", "sts.v1.TokenService.NoSuchMethod"),
                             ("file_containing_symbol", ".sts.v1.TokenService"), ("file_containing_symbol", ""),
                             ("file_by_filename", "sts/v1/nope.proto"), ("file_by_filename", "../../etc/passwd"),
                             ("all_extension_numbers_of_type", "no.such.Type")):
            with self.subTest(field=field, value=value):
                answer = reflection.ask(**{field: value})
                self.assertEqual(answer.WhichOneof("message_response"), "error_response")
                self.assertEqual(answer.error_response.error_code, NOT_FOUND)
                self.assertIn(value, answer.error_response.error_message)
        extension = v1_pb2.ExtensionRequest(containing_type="google.protobuf.MethodOptions", extension_number=50002)
        answer = reflection.ask(file_containing_extension=extension)
        first = descriptor_pb2.FileDescriptorProto()
        first.ParseFromString(answer.file_descriptor_response.file_descriptor_proto[0])
        self.assertEqual(first.name, "sts/v1/options.proto")
        for containing_type, number in (("google.protobuf.MethodOptions", 49999), ("no.such.Type", 50002)):
            with self.subTest(containing_type=containing_type, number=number):
                answer = reflection.ask(file_containing_extension=v1_pb2.ExtensionRequest(
                    containing_type=containing_type, extension_number=number))
                self.assertEqual(answer.error_response.error_code, NOT_FOUND)
        numbers = reflection.ask(all_extension_numbers_of_type="google.protobuf.MethodOptions")
        self.assertEqual(numbers.all_extension_numbers_response.base_type_name, "google.protobuf.MethodOptions")
        self.assertEqual(sorted(numbers.all_extension_numbers_response.extension_number), [50001, 50002])
        none = reflection.ask(all_extension_numbers_of_type="sts.v1.IssueTokenRequest")
        self.assertEqual(list(none.all_extension_numbers_response.extension_number), [])
        nothing = reflection.ask()
        self.assertEqual(nothing.error_response.error_code, INVALID_ARGUMENT)
        # The stream is still good after every error.
        self.assertTrue(reflection.ask(list_services="").list_services_response.service)
        reflection.close()
        self.assertEqual(list(reflection.responses), [])

    def test_many_streams_at_once_get_the_same_answers(self):
        expected = self.fetch_everything(Reflection(self.channel))
        results, errors = [], []

        def client():
            try:
                with grpc.insecure_channel(self.stsd.grpc) as channel:
                    reflection = Reflection(channel, "v1alpha" if len(results) % 2 else "v1")
                    results.append(self.fetch_everything(reflection))
                    reflection.close()
            except Exception as error:  # reported below, with the others
                errors.append(error)

        threads = [threading.Thread(target=client) for _ in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        self.assertEqual(errors, [])
        self.assertEqual(len(results), 12)
        for result in results:
            self.assertEqual(result, expected)

    def test_v1alpha_answers_the_same(self):
        alpha, current = Reflection(self.channel, "v1alpha"), Reflection(self.channel, "v1")
        alpha_services, alpha_files = self.fetch_everything(alpha)
        services, files = self.fetch_everything(current)
        self.assertEqual(alpha_services, services)
        self.assertEqual(alpha_files, files)
        missing = alpha.ask(file_containing_symbol="sts.v1.Nope")
        self.assertIsInstance(missing, MODULES["v1alpha"][0].ServerReflectionResponse)
        self.assertEqual(missing.error_response.error_code, NOT_FOUND)
        alpha.close()
        current.close()

    def test_reflection_is_public_even_with_authentication_on(self):
        # The class's stsd runs without authentication; this one has it on, and still answers without credentials.
        from stsd import Stsd
        stsd = Stsd(env={"STS_AUTH": "access-token"}).start()
        try:
            with grpc.insecure_channel(stsd.grpc) as channel:
                reflection = Reflection(channel)
                self.assertIn("sts.v1.TokenService",
                              [s.name for s in reflection.ask(list_services="").list_services_response.service])
                reflection.close()
                with self.assertRaises(grpc.RpcError) as raised:
                    channel.unary_unary("/sts.v1.TokenService/IssueToken")(b"", timeout=10)
                self.assertEqual(raised.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
        finally:
            stsd.stop_clean()

    def raw_stream(self):
        return self.channel.stream_stream("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo")

    def test_a_huge_request_is_refused_and_a_long_name_is_an_invalid_argument(self):
        huge = v1_pb2.ServerReflectionRequest(file_by_filename="a" * 70000).SerializeToString()
        with self.assertRaises(grpc.RpcError) as raised:
            list(self.raw_stream()(iter([huge]), timeout=10))
        self.assertEqual(raised.exception.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
        reflection = Reflection(self.channel)
        answer = reflection.ask(file_containing_symbol="sts.v1." + "x" * 5000)
        self.assertEqual(answer.error_response.error_code, INVALID_ARGUMENT)
        self.assertIn("longer than 1024", answer.error_response.error_message)
        self.assertNotIn("x" * 100, answer.error_response.error_message)
        reflection.close()

    def test_a_malformed_request_ends_the_stream_with_invalid_argument(self):
        for garbage in (b"\xff\xff\xff\xff", b"\x1a\x80\x80\x80\x80\x10", b"\x3a\x05ab"):
            with self.subTest(garbage=garbage):
                with self.assertRaises(grpc.RpcError) as raised:
                    list(self.raw_stream()(iter([garbage]), timeout=10))
                self.assertEqual(raised.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
                self.assertIn("ServerReflectionRequest", raised.exception.details())

    def test_one_stream_takes_a_bounded_number_of_requests(self):
        request = v1_pb2.ServerReflectionRequest(list_services="").SerializeToString()
        answers = []
        with self.assertRaises(grpc.RpcError) as raised:
            for answer in self.raw_stream()(iter([request] * 1100), timeout=60):
                answers.append(answer)
        self.assertEqual(raised.exception.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
        self.assertIn("at most 1024 messages", raised.exception.details())
        self.assertEqual(len(answers), 1024)

    def test_a_client_that_never_reads_stalls_only_itself(self):
        # Each answer carries descriptor.proto and more, and echoes the 30 KB request; the client asks for far more
        # than flow control lets through and reads nothing. The server stops reading it (one answer at a time), so
        # the client's own sending stalls too, and everyone else is served meanwhile.
        request = v1_pb2.ServerReflectionRequest(host="h" * 30000,
                                                 file_containing_symbol="sts.v1.TokenService").SerializeToString()
        produced = []

        def requests():
            for _ in range(1000):
                produced.append(1)
                yield request

        stuck = self.raw_stream()(requests(), timeout=60)
        time.sleep(2)
        self.assertLess(len(produced), 1000, "the server kept reading a client that reads nothing")
        started = time.monotonic()
        reflection = Reflection(self.channel)
        self.assertTrue(reflection.ask(list_services="").list_services_response.service)
        reflection.close()
        with grpc.insecure_channel(self.stsd.grpc) as other:
            reflection = Reflection(other)
            self.assertTrue(reflection.ask(list_services="").list_services_response.service)
            reflection.close()
        self.assertLess(time.monotonic() - started, 5)
        stuck.cancel()
        self.assertIn("status=1 ", self.wait_for_log("ServerReflectionInfo", "status=1 "))

    def wait_for_log(self, *parts, timeout=10):
        """The first request line of the log holding every part, waiting for it to appear."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.stsd.log().splitlines():
                if all(part in line for part in parts):
                    return line
            time.sleep(0.1)
        raise AssertionError("no log line with %s in:\n%s" % (parts, self.stsd.log()[-3000:]))

if __name__ == "__main__":
    unittest.main()
