// Everything protobuf, behind one dynamic import (load.ts): the codec and @bufbuild/protobuf load only when
// a protobuf client connects or a json client sends protobuf data.
export { isAny } from "./codec";
export { ProtobufConnection } from "./connection";
export { describeFrame, ProtobufFrames } from "./frames";
