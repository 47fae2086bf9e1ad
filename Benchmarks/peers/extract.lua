-- wrk script for api-bench's extraction cases: POST /api/v1/colors/extract with a base64 PNG.
-- EXTRACT_MODE=cached sends the same image every time (answered from the cache after the first); EXTRACT_MODE=fresh
-- makes every image new (8 base64 digits after the PNG's first 399 bytes: a run prefix and a counter), so each
-- request goes to the provider. EXTRACT_BODY_PREFIX is the JSON up to the image; EXTRACT_IMAGE the base64 image.
local prefix = os.getenv("EXTRACT_BODY_PREFIX")
local image = os.getenv("EXTRACT_IMAGE")
local fresh = os.getenv("EXTRACT_MODE") == "fresh"
local run = os.getenv("EXTRACT_RUN") or "00"
local counter = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
    local body
    if fresh then
        counter = counter + 1
        body = prefix .. image .. string.format("%s%06d", run, counter % 1000000) .. '"}'
    else
        body = prefix .. image .. '"}'
    end
    return wrk.format(nil, nil, nil, body)
end
