// The admin's preview: draws the draft's cards with the simulator's renderer (simulator.js),
// from the Flex JSON the page carries; nothing is sent anywhere.
for (const message of JSON.parse(document.getElementById("preview-messages").textContent)) drawMessage(message);
