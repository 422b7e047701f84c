#include "core/stream.h"

int sts_stream_send(sts_stream_t *stream, const ProtobufCMessage *message)
{
    return stream->ops->send(stream, message);
}

void sts_stream_finish(sts_stream_t *stream, sts_status_t status, const char *message)
{
    stream->ops->finish(stream, status, message);
}

void sts_stream_wake(sts_stream_t *stream)
{
    stream->ops->wake(stream);
}

sts_call_t *sts_stream_call(sts_stream_t *stream)
{
    return stream->call;
}

void *sts_stream_data(sts_stream_t *stream)
{
    return stream->data;
}

void sts_stream_set_data(sts_stream_t *stream, void *data)
{
    stream->data = data;
}
